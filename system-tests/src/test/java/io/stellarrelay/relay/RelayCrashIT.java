package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.relay.support.JavaProcess;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A relay process killed with SIGKILL leaves no cleanup behind; the poller must stop counting it anyway. */
class RelayCrashIT {
    private static final long INTERVAL_MS = 1000;
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static Poller poller;

    @BeforeAll
    static void start() {
        // Driven tick by tick below; never started, so it publishes only when the test asks.
        poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(),
                Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS)))));
    }

    @AfterAll
    static void stop() {
        if (poller != null) poller.close();
    }

    @Test
    @DisplayName("a relay killed without cleanup stops being counted by the poller within three intervals")
    void killedRelayStopsBeingCounted() throws Exception {
        int port = JavaProcess.freePort();
        try (JavaProcess relay = JavaProcess.startRelay("relay-crash-it", RelayFixture.environment(services.db(), services.redis(), Map.of(
                "PORT", Integer.toString(port), "POLL_INTERVAL_MS", Long.toString(INTERVAL_MS))))) {
            relay.awaitHttpOk(port, "/health/live", Duration.ofSeconds(30));
            try (WsTestClient client = WsTestClient.connect(port, cookieHeader(ADMIN_TOKEN))) {
                assertTrue(client.next().contains("auth_success"));
                client.send("{\"type\":\"subscribe\",\"serverId\":\"" + OTHER_SERVER + "\"}");
                assertTrue(client.next().contains("subscribed"));
                await().atMost(WsTestClient.WAIT).until(() -> poller.tick().watched() == 1);

                relay.kill(); // SIGKILL: no shutdown hook, no withdrawal
                assertTrue(relay.waitFor(Duration.ofSeconds(10)));
                long killedAt = System.nanoTime();
                await().atMost(Duration.ofMillis(3 * INTERVAL_MS)).until(() -> poller.tick().watched() == 0);
                assertTrue(System.nanoTime() - killedAt <= Duration.ofMillis(3 * INTERVAL_MS).toNanos());
                assertTrue(!services.redis().client().exists(new io.stellarrelay.redis.RedisNames(services.redis().prefix())
                        .relayIndexKey()) || services.redis().client().scard(new io.stellarrelay.redis.RedisNames(
                        services.redis().prefix()).relayIndexKey()) == 0, "the dead relay is dropped from the index");
            }
        }
    }
}
