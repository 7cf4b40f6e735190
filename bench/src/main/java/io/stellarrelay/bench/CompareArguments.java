package io.stellarrelay.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code compare <scenario> [--targets relay,bun,node] [scenario options]}: the scenario, the targets in
 * order (the first is the one the ratios are about), and the options every target's run gets.
 */
record CompareArguments(String scenario, List<Target> targets, List<String> scenarioArguments) {
    static final String DEFAULT_TARGETS = "relay,bun,node";

    static CompareArguments parse(List<String> args) {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            throw new IllegalArgumentException("compare needs a scenario first, e.g. compare fanout --targets relay,bun,node --clients 500");
        }
        String targets = DEFAULT_TARGETS;
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--targets")) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("--targets needs a value, e.g. --targets relay,bun,node");
                }
                targets = args.get(++i);
            } else if (a.startsWith("--targets=")) {
                targets = a.substring("--targets=".length());
            } else if (a.equals("--target") || a.startsWith("--target=")) {
                throw new IllegalArgumentException("compare runs every target of --targets; --target is for a single run");
            } else {
                rest.add(a);
            }
        }
        return new CompareArguments(args.get(0), parseTargets(targets), List.copyOf(rest));
    }

    static List<Target> parseTargets(String text) {
        Set<Target> targets = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            if (!part.isBlank() && !targets.add(Target.parse(part))) {
                throw new IllegalArgumentException("target '" + part.strip() + "' is listed twice in --targets");
            }
        }
        if (targets.size() < 2) {
            throw new IllegalArgumentException("--targets needs at least two targets to compare, e.g. relay,bun");
        }
        return List.copyOf(targets);
    }

    /** The options of one target's run: the shared ones and its {@code --target}. */
    List<String> argumentsFor(Target target) {
        List<String> a = new ArrayList<>(scenarioArguments);
        a.add("--target");
        a.add(target.wire());
        return a;
    }
}
