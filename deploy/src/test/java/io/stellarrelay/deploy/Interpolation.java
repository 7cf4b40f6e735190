package io.stellarrelay.deploy;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compose's variable substitution, as far as our files use it: {@code ${NAME}}, {@code ${NAME:-default}},
 * {@code ${NAME-default}}, {@code ${NAME:?message}}, {@code ${NAME?message}} and {@code $$} for a literal
 * dollar. It works on the file's text, before YAML parsing, so that a substituted number is read as a
 * number (compose itself substitutes parsed strings and then converts known fields).
 */
final class Interpolation {
    /** One {@code ${...}} in a file: {@code fallback} is the default after {@code -}/{@code :-}, else null. */
    record Use(String file, String name, String operator, String fallback) {}

    private static final Pattern REFERENCE = Pattern.compile(
            "\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    private Interpolation() {}

    /** Substitutes every reference in {@code text} from {@code env}, adding each to {@code uses}. */
    static String apply(String file, String text, Map<String, String> env, List<Use> uses) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else if (m.group(4) != null) {
                throw new IllegalArgumentException(file + ": write ${" + m.group(4) + "} rather than $" + m.group(4)
                        + ", so that every variable reads the same way");
            } else {
                String name = m.group(1);
                String operator = m.group(2) == null ? "" : m.group(2);
                String argument = m.group(3);
                uses.add(new Use(file, name, operator, operator.endsWith("-") ? argument : null));
                replacement = resolve(file, name, operator, argument, env);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String resolve(String file, String name, String operator, String argument, Map<String, String> env) {
        String value = env.get(name);
        // With a colon, an empty value counts as unset, as in the shell.
        boolean unset = value == null || (operator.startsWith(":") && value.isEmpty());
        return switch (operator) {
            case "" -> value == null ? "" : value;
            case "-", ":-" -> unset ? argument : value;
            case "?", ":?" -> {
                if (unset) {
                    throw new IllegalArgumentException(file + ": required variable " + name + " is not set: " + argument);
                }
                yield value;
            }
            default -> throw new IllegalStateException(operator);
        };
    }
}
