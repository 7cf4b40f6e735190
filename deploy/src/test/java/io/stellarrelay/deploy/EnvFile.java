package io.stellarrelay.deploy;

import java.util.LinkedHashMap;
import java.util.Map;

/** The assignments of a compose {@code .env} file ({@code NAME=value} lines; {@code #} starts a comment line). */
final class EnvFile {
    private EnvFile() {}

    static Map<String, String> parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq <= 0 || !trimmed.substring(0, eq).matches("[A-Z_][A-Z0-9_]*")) {
                throw new IllegalArgumentException("line " + lineNumber + " is not NAME=value: " + line);
            }
            if (values.put(trimmed.substring(0, eq), trimmed.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("line " + lineNumber + " sets " + trimmed.substring(0, eq) + " again");
            }
        }
        return values;
    }
}
