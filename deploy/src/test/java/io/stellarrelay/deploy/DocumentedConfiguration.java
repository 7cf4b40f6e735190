package io.stellarrelay.deploy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The rows of the configuration tables in docs/configuration.md: the variables relay and poller read. */
final class DocumentedConfiguration {
    /** A documented variable; {@code usedBy} is "relay" and/or "poller", or empty where the table does not say. */
    record Variable(String name, Set<String> usedBy) {
        boolean usableBy(String service) {
            return usedBy.isEmpty() || usedBy.contains(service);
        }
    }

    private DocumentedConfiguration() {}

    /** The variables in the tables of {@code page}, the text of docs/configuration.md. */
    static Map<String, Variable> parse(String page) {
        Map<String, Variable> variables = new LinkedHashMap<>();
        int usedByColumn = -1;
        for (String line : page.split("\n")) {
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
                    default -> throw new IllegalStateException("docs/configuration.md: unknown \"used by\" in " + line);
                };
                variables.put(name, new Variable(name, usedBy));
            }
        }
        return variables;
    }
}
