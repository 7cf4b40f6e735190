package io.stellarrelay.poller;

import io.stellarrelay.config.ConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("PollerConfig")
class PollerConfigTest {
    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", "postgresql://u@localhost/panel",
                "REDIS_URL", "redis://localhost"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    @DisplayName("does not listen for changes unless POLLER_LISTEN is true")
    void listeningIsOffByDefault() {
        assertNull(PollerConfig.fromEnvironment(env()).listenChannel());
        assertNull(PollerConfig.fromEnvironment(env("POLLER_LISTEN", "false", "POLLER_LISTEN_CHANNEL", "other"))
                .listenChannel());
    }

    @Test
    @DisplayName("listens on stellar_server_changed, coalescing for 20 ms, unless told otherwise")
    void listenDefaultsAndOverrides() {
        PollerConfig defaults = PollerConfig.fromEnvironment(env("POLLER_LISTEN", "true"));
        assertEquals("stellar_server_changed", defaults.listenChannel());
        assertEquals(Duration.ofMillis(20), defaults.listenCoalesce());

        PollerConfig custom = PollerConfig.fromEnvironment(env("POLLER_LISTEN", "TRUE",
                "POLLER_LISTEN_CHANNEL", "panel_changes_2", "POLLER_LISTEN_COALESCE_MS", "0"));
        assertEquals("panel_changes_2", custom.listenChannel());
        assertEquals(Duration.ZERO, custom.listenCoalesce());
    }

    @Test
    @DisplayName("refuses a channel that is not a plain lower-case identifier, which LISTEN could not take as is")
    void refusesUnsafeChannels() {
        ConfigException e = assertThrows(ConfigException.class, () -> PollerConfig.fromEnvironment(env(
                "POLLER_LISTEN", "yes", "POLLER_LISTEN_CHANNEL", "x; DROP TABLE servers", "POLLER_LISTEN_COALESCE_MS", "5000")));
        assertEquals(List.of(
                "POLLER_LISTEN must be true or false (got \"yes\")",
                "POLLER_LISTEN_CHANNEL must be 1 to 63 characters from a-z 0-9 _, not starting with a digit "
                        + "(got \"x; DROP TABLE servers\")",
                "POLLER_LISTEN_COALESCE_MS must be a number of milliseconds from 0 to 1000 (got \"5000\")"),
                e.problems());
    }
}
