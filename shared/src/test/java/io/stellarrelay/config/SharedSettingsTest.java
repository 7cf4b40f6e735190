package io.stellarrelay.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("SharedSettings.read")
class SharedSettingsTest {

    private static Map<String, String> minimalEnv() {
        Map<String, String> env = new HashMap<>();
        env.put(SharedSettings.DATABASE_URL, "postgresql://stellar:pw@db:5432/panel?schema=public");
        env.put(SharedSettings.REDIS_URL, "redis://cache:6379");
        return env;
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = minimalEnv();
        env.put(name, value);
        return env;
    }

    private static List<String> problemsOf(Map<String, String> env) {
        EnvReader reader = new EnvReader(env);
        SharedSettings.read(reader);
        return assertThrows(ConfigException.class, reader::finish).problems();
    }

    @Test
    @DisplayName("defaults to a 5000 ms poll interval and the prefix stellar")
    void usesDefaults() {
        EnvReader reader = new EnvReader(minimalEnv());
        SharedSettings settings = SharedSettings.read(reader);
        assertDoesNotThrow(reader::finish);

        assertEquals(Duration.ofMillis(5000), settings.pollInterval());
        assertEquals("stellar", settings.redisPrefix());
        assertEquals("jdbc:postgresql://db:5432/panel?currentSchema=public", settings.database().jdbcUrl());
        assertEquals("cache", settings.redis().host());
    }

    @Test
    @DisplayName("reads a poll interval and a prefix when they are set")
    void readsExplicitValues() {
        Map<String, String> env = minimalEnv();
        env.put(SharedSettings.POLL_INTERVAL_MS, "2500");
        env.put(SharedSettings.REDIS_PREFIX, "panel-2.eu:west_1");
        EnvReader reader = new EnvReader(env);
        SharedSettings settings = SharedSettings.read(reader);
        assertDoesNotThrow(reader::finish);

        assertEquals(Duration.ofMillis(2500), settings.pollInterval());
        assertEquals("panel-2.eu:west_1", settings.redisPrefix());
    }

    @Test
    @DisplayName("reports both URLs when neither is set")
    void requiresBothUrls() {
        assertEquals(List.of("DATABASE_URL is required", "REDIS_URL is required"), problemsOf(Map.of()));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("rejects a prefix with braces, spaces, wildcards or more than 64 characters")
    @ValueSource(strings = {"{stellar}", "stel{lar", "my prefix", "stellar*", "stellar?",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void rejectsBadPrefix(String prefix) {
        List<String> problems = problemsOf(with(SharedSettings.REDIS_PREFIX, prefix));

        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("REDIS_PREFIX must be"), problems::toString);
    }

    @Test
    @DisplayName("rejects a LOG_LEVEL that is not one of trace, debug, info, warn, error")
    void rejectsBadLogLevel() {
        List<String> problems = problemsOf(with(Logging.LOG_LEVEL, "verbose"));

        assertEquals(List.of("LOG_LEVEL must be one of trace, debug, info, warn, error (got \"verbose\")"), problems);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("accepts every log level, in any case")
    @ValueSource(strings = {"trace", "debug", "info", "warn", "error", "DEBUG", "Warn"})
    void acceptsLogLevels(String level) {
        EnvReader reader = new EnvReader(with(Logging.LOG_LEVEL, level));
        SharedSettings.read(reader);
        assertDoesNotThrow(reader::finish);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("rejects a poll interval outside 100 ms to one hour")
    @ValueSource(strings = {"99", "3600001", "0", "fast"})
    void rejectsBadPollInterval(String interval) {
        List<String> problems = problemsOf(with(SharedSettings.POLL_INTERVAL_MS, interval));

        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("POLL_INTERVAL_MS must be"), problems::toString);
    }
}
