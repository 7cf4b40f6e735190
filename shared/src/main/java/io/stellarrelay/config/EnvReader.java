package io.stellarrelay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads typed values from an environment map and collects every problem instead of stopping at the
 * first, so an operator fixes a broken deployment in one go. Call {@link #finish()} once all values are
 * read; it throws a {@link ConfigException} listing each problem.
 *
 * <p>A value that is set but blank counts as unset. Values of secret variables are never quoted in a
 * problem description.
 */
public final class EnvReader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    public EnvReader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    private String raw(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** A required plain value; {@code null} (with a problem recorded) when missing. */
    public String required(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required");
        }
        return value;
    }

    public String string(String name, String defaultValue) {
        String value = raw(name);
        return value == null ? defaultValue : value;
    }

    /** A string that must match {@code pattern}, described to the operator as {@code what}. */
    public String matching(String name, String defaultValue, Pattern pattern, String what) {
        String value = string(name, defaultValue);
        if (value != null && !pattern.matcher(value).matches()) {
            problems.add(name + " must be " + what + " (got \"" + value + "\")");
            return defaultValue;
        }
        return value;
    }

    public Secret requiredSecret(String name) {
        String value = raw(name);
        if (value == null) {
            problems.add(name + " is required");
            return null;
        }
        return new Secret(value);
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + " must be an integer from " + min + " to " + max + " (got \"" + value + "\")");
        return defaultValue;
    }

    /** {@code true} or {@code false} (any case); anything else is a problem. */
    public boolean flag(String name, boolean defaultValue) {
        String value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        problems.add(name + " must be true or false (got \"" + value + "\")");
        return defaultValue;
    }

    public Duration millis(String name, long defaultMillis, long minMillis, long maxMillis) {
        String value = raw(name);
        if (value == null) {
            return Duration.ofMillis(defaultMillis);
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= minMillis && parsed <= maxMillis) {
                return Duration.ofMillis(parsed);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + " must be a number of milliseconds from " + minMillis + " to " + maxMillis
                + " (got \"" + value + "\")");
        return Duration.ofMillis(defaultMillis);
    }

    /**
     * A required value turned into {@code T} by {@code parser}, which signals a bad value with an
     * {@link IllegalArgumentException} whose message says what is wrong without repeating the value.
     */
    public <T> T requiredParsed(String name, Function<String, T> parser) {
        String value = required(name);
        return value == null ? null : parse(name, value, parser, null);
    }

    /** Like {@link #requiredParsed}, but {@code defaultValue} when unset. */
    public <T> T parsed(String name, Function<String, T> parser, T defaultValue) {
        String value = raw(name);
        return value == null ? defaultValue : parse(name, value, parser, defaultValue);
    }

    private <T> T parse(String name, String value, Function<String, T> parser, T fallback) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            problems.add(name + " is invalid: " + e.getMessage());
            return fallback;
        }
    }

    /**
     * A comma-separated list, each element turned into {@code T} by {@code parser} (which signals a bad
     * element with an {@link IllegalArgumentException}); empty when unset.
     */
    public <T> List<T> list(String name, Function<String, T> parser) {
        String value = raw(name);
        List<T> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        for (String element : value.split(",")) {
            if (element.isBlank()) {
                continue;
            }
            try {
                result.add(parser.apply(element.strip()));
            } catch (IllegalArgumentException e) {
                problems.add(name + " is invalid: " + e.getMessage());
            }
        }
        return result;
    }

    /** Records a problem found by the caller, e.g. a rule that spans two variables. */
    public void problem(String description) {
        problems.add(description);
    }

    /** Throws if any problem was recorded. */
    public void finish() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
