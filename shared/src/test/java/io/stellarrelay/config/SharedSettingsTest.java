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
    @DisplayName("reads go to DATABASE_URL unless DATABASE_READ_URL names a replica; a bad one is reported")
    void readDatabase() {
        EnvReader plain = new EnvReader(minimalEnv());
        SharedSettings primaryOnly = SharedSettings.read(plain);
        assertEquals(primaryOnly.database(), primaryOnly.readDatabase());

        EnvReader reader = new EnvReader(with(SharedSettings.DATABASE_READ_URL,
                "postgresql://reader:pw@replica:5433/panel?schema=public"));
        SharedSettings settings = SharedSettings.read(reader);
        assertDoesNotThrow(reader::finish);
        assertEquals("jdbc:postgresql://replica:5433/panel?currentSchema=public", settings.readDatabase().jdbcUrl());
        assertEquals("jdbc:postgresql://db:5432/panel?currentSchema=public", settings.database().jdbcUrl());

        List<String> problems = problemsOf(with(SharedSettings.DATABASE_READ_URL, "mysql://replica/panel"));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("DATABASE_READ_URL is invalid")), problems.toString());
    }

    @Test
    @DisplayName("with REDIS_CLUSTER=true reads REDIS_URL as comma-separated seed nodes sharing credentials")
    void readsClusterSeeds() {
        Map<String, String> env = with(SharedSettings.REDIS_CLUSTER, "true");
        env.put(SharedSettings.REDIS_URL, "redis://:pw@node-a:7000, redis://:pw@node-b:7001");
        EnvReader reader = new EnvReader(env);
        SharedSettings settings = SharedSettings.read(reader);
        assertDoesNotThrow(reader::finish);

        assertTrue(settings.redisCluster());
        assertEquals(List.of("node-a:7000", "node-b:7001"),
                settings.redisNodes().stream().map(n -> n.host() + ":" + n.port()).toList());
        assertEquals("pw", settings.redis().password().reveal());
        assertEquals(1, SharedSettings.read(new EnvReader(minimalEnv())).redisNodes().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis://node-a:7000/1", "redis://:pw@node-a:7000,redis://node-b:7001",
            "redis://node-a:7000,rediss://node-b:7001", " , "})
    @DisplayName("refuses cluster seeds with a database number, or with differing credentials or schemes")
    void refusesInconsistentClusterSeeds(String urls) {
        Map<String, String> env = with(SharedSettings.REDIS_CLUSTER, "true");
        env.put(SharedSettings.REDIS_URL, urls);
        List<String> problems = problemsOf(env);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("REDIS_URL"), problems.toString());
    }

    @Test
    @DisplayName("without REDIS_CLUSTER a list of URLs in REDIS_URL is an error")
    void refusesSeedListWithoutCluster() {
        assertEquals(1, problemsOf(with(SharedSettings.REDIS_URL, "redis://a:7000,redis://b:7001")).size());
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
