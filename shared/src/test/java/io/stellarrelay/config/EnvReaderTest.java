package io.stellarrelay.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("EnvReader")
class EnvReaderTest {

    @Test
    @DisplayName("collects every problem and reports them all in one ConfigException")
    void collectsAllProblemsAtOnce() {
        EnvReader env = new EnvReader(Map.of("PORT", "http", "TIMEOUT_MS", "-5"));
        env.required("A_URL");
        env.requiredSecret("A_SECRET");
        env.integer("PORT", 80, 1, 65535);
        env.millis("TIMEOUT_MS", 1000, 10, 60_000);

        ConfigException e = assertThrows(ConfigException.class, env::finish);

        assertEquals(List.of(
                "A_URL is required",
                "A_SECRET is required",
                "PORT must be an integer from 1 to 65535 (got \"http\")",
                "TIMEOUT_MS must be a number of milliseconds from 10 to 60000 (got \"-5\")"), e.problems());
        assertEquals("Invalid configuration:\n  - A_URL is required\n  - A_SECRET is required\n"
                + "  - PORT must be an integer from 1 to 65535 (got \"http\")\n"
                + "  - TIMEOUT_MS must be a number of milliseconds from 10 to 60000 (got \"-5\")", e.getMessage());
    }

    @Test
    @DisplayName("reads a flag as true or false in any case, and reports any other word")
    void readsFlags() {
        EnvReader env = new EnvReader(Map.of("ON", "TRUE", "OFF", "false", "ODD", "yes"));
        assertTrue(env.flag("ON", false));
        assertFalse(env.flag("OFF", true));
        assertTrue(env.flag("UNSET", true));
        assertFalse(env.flag("ODD", false));
        ConfigException e = assertThrows(ConfigException.class, env::finish);
        assertEquals(List.of("ODD must be true or false (got \"yes\")"), e.problems());
    }

    @Test
    @DisplayName("finishes quietly when every value is fine")
    void finishesWithoutProblems() {
        EnvReader env = new EnvReader(Map.of("A_URL", "x"));
        assertEquals("x", env.required("A_URL"));
        assertDoesNotThrow(env::finish);
    }

    @Test
    @DisplayName("counts a blank value as unset: required values are missing, optional ones take their default")
    void treatsBlankAsUnset() {
        EnvReader env = new EnvReader(Map.of("A_URL", "   ", "A_SECRET", "", "NAME", " \t", "PORT", "  ", "WAIT_MS", " "));

        assertNull(env.required("A_URL"));
        assertNull(env.requiredSecret("A_SECRET"));
        assertEquals("fallback", env.string("NAME", "fallback"));
        assertEquals(80, env.integer("PORT", 80, 1, 65535));
        assertEquals(Duration.ofMillis(250), env.millis("WAIT_MS", 250, 1, 1000));

        ConfigException e = assertThrows(ConfigException.class, env::finish);
        assertEquals(List.of("A_URL is required", "A_SECRET is required"), e.problems());
    }

    @Test
    @DisplayName("strips surrounding whitespace from a value")
    void stripsValues() {
        EnvReader env = new EnvReader(Map.of("NAME", "  relay-1 \n", "PORT", " 8080 "));

        assertEquals("relay-1", env.string("NAME", null));
        assertEquals(8080, env.integer("PORT", 80, 1, 65535));
    }

    @Test
    @DisplayName("accepts integers at both ends of their range and rejects one past either end")
    void checksIntegerRange() {
        EnvReader inRange = new EnvReader(Map.of("LOW", "1", "HIGH", "200"));
        assertEquals(1, inRange.integer("LOW", 10, 1, 200));
        assertEquals(200, inRange.integer("HIGH", 10, 1, 200));
        assertDoesNotThrow(inRange::finish);

        EnvReader outOfRange = new EnvReader(Map.of("LOW", "0", "HIGH", "201", "HUGE", "99999999999"));
        assertEquals(10, outOfRange.integer("LOW", 10, 1, 200), "a bad value falls back to the default");
        assertEquals(10, outOfRange.integer("HIGH", 10, 1, 200));
        assertEquals(10, outOfRange.integer("HUGE", 10, 1, 200));
        ConfigException e = assertThrows(ConfigException.class, outOfRange::finish);
        assertEquals(List.of(
                "LOW must be an integer from 1 to 200 (got \"0\")",
                "HIGH must be an integer from 1 to 200 (got \"201\")",
                "HUGE must be an integer from 1 to 200 (got \"99999999999\")"), e.problems());
    }

    @Test
    @DisplayName("accepts milliseconds at both ends of their range and rejects others, including fractions")
    void checksMillisRange() {
        EnvReader inRange = new EnvReader(Map.of("LOW_MS", "100", "HIGH_MS", "3600000"));
        assertEquals(Duration.ofMillis(100), inRange.millis("LOW_MS", 5000, 100, 3_600_000));
        assertEquals(Duration.ofHours(1), inRange.millis("HIGH_MS", 5000, 100, 3_600_000));
        assertDoesNotThrow(inRange::finish);

        EnvReader outOfRange = new EnvReader(Map.of("LOW_MS", "99", "HIGH_MS", "3600001", "FRACTION_MS", "1.5"));
        assertEquals(Duration.ofMillis(5000), outOfRange.millis("LOW_MS", 5000, 100, 3_600_000));
        assertEquals(Duration.ofMillis(5000), outOfRange.millis("HIGH_MS", 5000, 100, 3_600_000));
        assertEquals(Duration.ofMillis(5000), outOfRange.millis("FRACTION_MS", 5000, 100, 3_600_000));
        assertEquals(3, assertThrows(ConfigException.class, outOfRange::finish).problems().size());
    }

    @Test
    @DisplayName("reports a value that does not match its pattern and falls back to the default")
    void checksPattern() {
        EnvReader env = new EnvReader(Map.of("COLOR", "purple"));

        assertEquals("red", env.matching("COLOR", "red", Pattern.compile("red|green"), "red or green"));
        assertEquals(List.of("COLOR must be red or green (got \"purple\")"),
                assertThrows(ConfigException.class, env::finish).problems());
    }

    @Test
    @DisplayName("records a parser's complaint under the variable's name")
    void reportsParserProblems() {
        EnvReader env = new EnvReader(Map.of("WHEN", "soon"));

        assertNull(env.requiredParsed("WHEN", v -> {
            throw new IllegalArgumentException("must be a date");
        }));
        assertEquals(List.of("WHEN is invalid: must be a date"),
                assertThrows(ConfigException.class, env::finish).problems());
    }

    @Test
    @DisplayName("gives an optional parsed value its default when unset, and reports a bad one under its name")
    void parsesOptionalValues() {
        EnvReader env = new EnvReader(Map.of("SET", "7", "BAD", "x"));

        assertEquals(7, env.parsed("SET", Integer::valueOf, 1));
        assertEquals(1, env.parsed("UNSET", Integer::valueOf, 1));
        assertEquals(1, env.parsed("BAD", v -> {
            throw new IllegalArgumentException("must be a number");
        }, 1));
        assertEquals(List.of("BAD is invalid: must be a number"),
                assertThrows(ConfigException.class, env::finish).problems());
    }

    @Test
    @DisplayName("never quotes a secret value or the password of an invalid URL in a problem")
    void neverShowsSecrets() {
        EnvReader env = new EnvReader(Map.of(
                "AUTH_SECRET", "s3cr3t-auth-value",
                "DATABASE_URL", "mysql://user:s3cr3t-db-pw@db/panel",
                "REDIS_URL", "redis://:s3cr3t-redis-pw@cache/not-a-number"));

        assertEquals("s3cr3t-auth-value", env.requiredSecret("AUTH_SECRET").reveal());
        env.requiredParsed("DATABASE_URL", DatabaseSettings::parse);
        env.requiredParsed("REDIS_URL", RedisSettings::parse);
        env.required("MISSING");

        ConfigException e = assertThrows(ConfigException.class, env::finish);
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("DATABASE_URL is invalid"), e.getMessage());
        assertTrue(e.getMessage().contains("REDIS_URL is invalid"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    @DisplayName("gives a secret whose toString is masked")
    void secretToStringIsMasked() {
        Secret secret = new EnvReader(Map.of("AUTH_SECRET", "s3cr3t")).requiredSecret("AUTH_SECRET");

        assertEquals("****", secret.toString());
    }
}
