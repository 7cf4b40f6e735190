package io.stellarrelay.relay;

import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle handling: quiet clients are kept alive by the relay's pings instead of being cut. */
class KeepaliveIT {

    @Test
    @DisplayName("a client that sends nothing for several idle timeouts stays connected thanks to server pings")
    void quietClientOutlivesTheIdleTimeout() throws Exception {
        try (TestDatabase db = TestDatabase.create(); TestRedis redis = TestRedis.create()) {
            PanelFixtures.load(db);
            try (RelayApp relay = RelayFixture.startRelay(db, redis,
                    Map.of("WS_IDLE_TIMEOUT_MS", "1000", "WS_PING_INTERVAL_MS", "200"));
                 WsTestClient client = WsTestClient.connect(relay.port())) {
                // 10 pings at 200 ms apart span two whole idle timeouts without a frame from the client.
                await().atMost(WsTestClient.WAIT).until(() -> client.pingsReceived() >= 10);
                assertTrue(client.isOpen());
                client.send("{\"type\":\"ping\"}");
                assertEquals("{\"type\":\"pong\"}", client.next());
            }
        }
    }
}
