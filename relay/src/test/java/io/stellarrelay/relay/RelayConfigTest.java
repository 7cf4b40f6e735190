package io.stellarrelay.relay;

import io.stellarrelay.config.ConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("RelayConfig.fromEnvironment")
class RelayConfigTest {

    private static final String AUTH_SECRET = "auth-s3cr3t-value-0123456789";
    private static final String DB_PASSWORD = "db-s3cr3t-pw";
    private static final String REDIS_PASSWORD = "redis-s3cr3t-pw";
    /** The published API tells clients to send a ping every 30 seconds. */
    private static final Duration CLIENT_PING_INTERVAL = Duration.ofSeconds(30);
    private static final Pattern RELAY_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private static Map<String, String> minimalEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://stellar:" + DB_PASSWORD + "@db:5432/panel?schema=public");
        env.put("REDIS_URL", "redis://:" + REDIS_PASSWORD + "@cache:6379");
        env.put("BETTER_AUTH_SECRET", AUTH_SECRET);
        return env;
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = minimalEnv();
        env.put(name, value);
        return env;
    }

    @Test
    @DisplayName("starts from the minimal environment with port 3001, a 120 s idle timeout and a 30 s ping interval")
    void usesDefaults() {
        RelayConfig config = RelayConfig.fromEnvironment(minimalEnv());

        assertEquals(3001, config.port());
        assertEquals("0.0.0.0", config.host());
        assertEquals(10, config.databasePoolSize());
        assertEquals(Duration.ofMillis(120_000), config.idleTimeout());
        assertEquals(Duration.ofMillis(30_000), config.pingInterval());
        assertEquals(AUTH_SECRET, config.authSecret().reveal());
        assertEquals("stellar", config.shared().redisPrefix());
    }

    @Test
    @DisplayName("subscribes on REDIS_URL's Redis unless REDIS_SUBSCRIBE_URL names another (a regional replica)")
    void subscribesWhereRedisSubscribeUrlSays() {
        RelayConfig same = RelayConfig.fromEnvironment(minimalEnv());
        assertEquals(same.shared().redis(), same.subscribeRedis());

        RelayConfig regional = RelayConfig.fromEnvironment(with("REDIS_SUBSCRIBE_URL", "rediss://replica.eu:6380"));
        assertEquals("cache", regional.shared().redis().host());
        assertEquals("replica.eu", regional.subscribeRedis().host());
        assertEquals(6380, regional.subscribeRedis().port());
        assertTrue(regional.subscribeRedis().tls());

        ConfigException bad = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(with("REDIS_SUBSCRIBE_URL", "http://replica.eu")));
        assertEquals(1, bad.problems().size(), bad.getMessage());
        assertTrue(bad.problems().get(0).startsWith("REDIS_SUBSCRIBE_URL is invalid"), bad.getMessage());

        Map<String, String> cluster = with("REDIS_CLUSTER", "true");
        cluster.put("REDIS_SUBSCRIBE_URL", "redis://replica.eu:6379");
        ConfigException both = assertThrows(ConfigException.class, () -> RelayConfig.fromEnvironment(cluster));
        assertEquals(List.of("REDIS_SUBSCRIBE_URL cannot be used with REDIS_CLUSTER=true"), both.problems());
    }

    @Test
    @DisplayName("keeps a client that pings every 30 s, as the published API advises, well clear of the idle timeout")
    void defaultIdleTimeoutOutlastsClientPings() {
        Duration idle = RelayConfig.fromEnvironment(minimalEnv()).idleTimeout();

        assertTrue(idle.compareTo(CLIENT_PING_INTERVAL.multipliedBy(2)) >= 0,
                "idle timeout " + idle + " should survive at least one missed 30 s client ping");
    }

    @Test
    @DisplayName("leases the watch set for twice the poll interval")
    void watchLeaseIsTwicePollInterval() {
        assertEquals(Duration.ofSeconds(10), RelayConfig.fromEnvironment(minimalEnv()).watchLease());
        assertEquals(Duration.ofMillis(3000),
                RelayConfig.fromEnvironment(with("POLL_INTERVAL_MS", "1500")).watchLease());
    }

    @Test
    @DisplayName("batches console lines for 50 ms, at most 1000 lines per second of at most 2048 bytes, with 100 lines"
            + " of history, unless told otherwise")
    void readsConsoleSettings() {
        assertEquals(new RelayConfig.Console(Duration.ofMillis(50), 1000, 2048, 100),
                RelayConfig.fromEnvironment(minimalEnv()).console());
        Map<String, String> env = minimalEnv();
        env.put("CONSOLE_BATCH_MS", "20");
        env.put("CONSOLE_MAX_LINES_PER_SECOND", "5000");
        env.put("CONSOLE_MAX_LINE_BYTES", "512");
        env.put("CONSOLE_HISTORY_LINES", "0");
        assertEquals(new RelayConfig.Console(Duration.ofMillis(20), 5000, 512, 0), RelayConfig.fromEnvironment(env).console());
    }

    @Test
    @DisplayName("names every console setting out of range in one exception")
    void reportsBadConsoleSettings() {
        Map<String, String> env = minimalEnv();
        env.put("CONSOLE_BATCH_MS", "0");
        env.put("CONSOLE_MAX_LINES_PER_SECOND", "-1");
        env.put("CONSOLE_MAX_LINE_BYTES", "10");
        env.put("CONSOLE_HISTORY_LINES", "-1");
        String message = assertThrows(ConfigException.class, () -> RelayConfig.fromEnvironment(env)).getMessage();
        for (String name : List.of("CONSOLE_BATCH_MS", "CONSOLE_MAX_LINES_PER_SECOND", "CONSOLE_MAX_LINE_BYTES",
                "CONSOLE_HISTORY_LINES")) {
            assertTrue(message.contains(name), message);
        }
    }

    @Test
    @DisplayName("reads explicit values for every relay variable")
    void readsExplicitValues() {
        Map<String, String> env = minimalEnv();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "8080");
        env.put("RELAY_ID", "relay-eu.1");
        env.put("DATABASE_POOL_SIZE", "4");
        env.put("WS_IDLE_TIMEOUT_MS", "60000");
        env.put("WS_PING_INTERVAL_MS", "15000");

        RelayConfig config = RelayConfig.fromEnvironment(env);

        assertEquals("127.0.0.1", config.host());
        assertEquals(8080, config.port());
        assertEquals("relay-eu.1", config.relayId());
        assertEquals(4, config.databasePoolSize());
        assertEquals(Duration.ofSeconds(60), config.idleTimeout());
        assertEquals(Duration.ofSeconds(15), config.pingInterval());
    }

    @Test
    @DisplayName("names DATABASE_URL, REDIS_URL and BETTER_AUTH_SECRET together in one exception when nothing is set")
    void reportsAllMissingVariablesAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.fromEnvironment(Map.of()));

        assertEquals(List.of("DATABASE_URL is required", "REDIS_URL is required", "BETTER_AUTH_SECRET is required"),
                e.problems());
        assertTrue(e.getMessage().contains("DATABASE_URL"), e.getMessage());
        assertTrue(e.getMessage().contains("REDIS_URL"), e.getMessage());
        assertTrue(e.getMessage().contains("BETTER_AUTH_SECRET"), e.getMessage());
    }

    @Test
    @DisplayName("counts a blank BETTER_AUTH_SECRET as missing")
    void blankSecretIsMissing() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(with("BETTER_AUTH_SECRET", "   ")));

        assertEquals(List.of("BETTER_AUTH_SECRET is required"), e.problems());
    }

    @ParameterizedTest(name = "ping interval {0} ms")
    @DisplayName("rejects a ping interval that is not shorter than the idle timeout")
    @ValueSource(strings = {"120000", "120001", "600000"})
    void rejectsPingIntervalNotShorterThanIdleTimeout(String ping) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(with("WS_PING_INTERVAL_MS", ping)));

        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("WS_PING_INTERVAL_MS (" + ping + ") must be shorter than "
                + "WS_IDLE_TIMEOUT_MS (120000)"), e.getMessage());
    }

    @Test
    @DisplayName("rejects an idle timeout lowered below the default ping interval")
    void rejectsIdleTimeoutBelowPingInterval() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(with("WS_IDLE_TIMEOUT_MS", "20000")));

        assertTrue(e.getMessage().contains("WS_PING_INTERVAL_MS (30000) must be shorter than WS_IDLE_TIMEOUT_MS (20000)"),
                e.getMessage());
    }

    @ParameterizedTest(name = "PORT={0}")
    @DisplayName("reports a PORT that is not a port number")
    @ValueSource(strings = {"http", "65536", "-1", "3001.5"})
    void reportsBadPort(String port) {
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.fromEnvironment(with("PORT", port)));

        assertEquals(List.of("PORT must be an integer from 0 to 65535 (got \"" + port + "\")"), e.problems());
    }

    @Test
    @DisplayName("reports a bad PORT together with the other problems")
    void reportsBadPortAlongsideOtherProblems() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(Map.of("PORT", "abc", "RELAY_ID", "bad id!")));

        assertEquals(5, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("PORT must be an integer"), e.getMessage());
        assertTrue(e.getMessage().contains("RELAY_ID must be"), e.getMessage());
    }

    @Test
    @DisplayName("never puts the secret or the passwords in an exception message")
    void exceptionHidesSecrets() {
        Map<String, String> env = minimalEnv();
        env.put("PORT", "nope");
        env.put("WS_PING_INTERVAL_MS", "500000");

        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.fromEnvironment(env));

        assertEquals(2, e.problems().size(), e.getMessage());
        assertFalse(e.getMessage().contains(AUTH_SECRET), e.getMessage());
        assertFalse(e.getMessage().contains(DB_PASSWORD), e.getMessage());
        assertFalse(e.getMessage().contains(REDIS_PASSWORD), e.getMessage());
    }

    @Test
    @DisplayName("never puts the secret or the passwords in its toString")
    void toStringHidesSecrets() {
        String shown = RelayConfig.fromEnvironment(minimalEnv()).toString();

        assertFalse(shown.contains(AUTH_SECRET), shown);
        assertFalse(shown.contains(DB_PASSWORD), shown);
        assertFalse(shown.contains(REDIS_PASSWORD), shown);
    }

    @Test
    @DisplayName("generates a different valid relay id on each call")
    void generatesDistinctValidRelayIds() {
        String first = RelayConfig.generatedRelayId();
        String second = RelayConfig.generatedRelayId();

        assertNotEquals(first, second);
        assertTrue(RELAY_ID.matcher(first).matches(), first);
        assertTrue(RELAY_ID.matcher(second).matches(), second);
    }

    @Test
    @DisplayName("gives each relay started without RELAY_ID its own generated id")
    void generatesRelayIdWhenUnset() {
        String first = RelayConfig.fromEnvironment(minimalEnv()).relayId();
        String second = RelayConfig.fromEnvironment(minimalEnv()).relayId();

        assertNotEquals(first, second);
        assertTrue(RELAY_ID.matcher(first).matches(), first);
    }

    @Test
    @DisplayName("rejects a RELAY_ID with characters outside A-Z a-z 0-9 _ . -")
    void rejectsBadRelayId() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.fromEnvironment(with("RELAY_ID", "relay:1")));

        assertEquals(List.of("RELAY_ID must be 1 to 64 characters from A-Z a-z 0-9 _ . - (got \"relay:1\")"),
                e.problems());
    }
}
