package io.stellarrelay.deploy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rows of the README's configuration tables: the variables relay and poller read. */
final class ReadmeConfiguration {
    /** A documented variable; {@code usedBy} is "relay" and/or "poller", or empty where the table does not say. */
    record Variable(String name, Set<String> usedBy) {
        boolean usableBy(String service) {
            return usedBy.isEmpty() || usedBy.contains(service);
        }
    }

    private ReadmeConfiguration() {}

    static Map<String, Variable> parse(String readme) {
        int start = readme.indexOf("\n## Configuration\n");
        if (start < 0) {
            throw new IllegalStateException("README has no \"## Configuration\" section");
        }
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Map<String, Variable> variables = new LinkedHashMap<>();
        int usedByColumn = -1;
        for (String line : section.split("\n")) {
            if (!line.startsWith("|")) {
                usedByColumn = -1; // a table ended
                continue;
            }
            List<String> cells = Arrays.stream(line.split("\\|")).map(String::strip).skip(1).toList();
            if (cells.getFirst().equals("variable")) {
                usedByColumn = cells.indexOf("used by");
            } else if (cells.getFirst().matches("`[A-Z][A-Z0-9_]*`")) {
                String name = cells.getFirst().substring(1, cells.getFirst().length() - 1);
                Set<String> usedBy = usedByColumn < 0 ? Set.of() : switch (cells.get(usedByColumn)) {
                    case "both" -> Set.of("relay", "poller");
                    case "relay" -> Set.of("relay");
                    case "poller" -> Set.of("poller");
                    default -> throw new IllegalStateException("README: unknown \"used by\" in " + line);
                };
                variables.put(name, new Variable(name, usedBy));
            }
        }
        return variables;
    }
}
