package io.stellarrelay.relay;

import io.stellarrelay.relay.support.RawWebSocket;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle handling: quiet clients are kept alive by the relay's pings, vanished ones are found by them. */
class KeepaliveIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();

    @Test
    @DisplayName("a client that sends nothing for several idle timeouts stays connected thanks to server pings")
    void quietClientOutlivesTheIdleTimeout() throws Exception {
        try (RelayApp relay = RelayFixture.startRelay(services.db(), services.redis(),
                Map.of("WS_IDLE_TIMEOUT_MS", "1000", "WS_PING_INTERVAL_MS", "200"));
             WsTestClient client = WsTestClient.connect(relay.port())) {
            // 10 pings at 200 ms apart span two whole idle timeouts without a frame from the client.
            await().atMost(WsTestClient.WAIT).until(() -> client.pingsReceived() >= 10);
            assertTrue(client.isOpen());
            client.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", client.next());
        }
    }

    @Test
    @DisplayName("a peer that answers no ping is dropped after two and a half ping intervals; one that pongs stays")
    void silentPeerIsDropped() throws Exception {
        try (RelayApp relay = RelayFixture.startRelay(services.db(), services.redis(),
                Map.of("WS_IDLE_TIMEOUT_MS", "60000", "WS_PING_INTERVAL_MS", "200"));
             WsTestClient answering = WsTestClient.connect(relay.port());
             RawWebSocket silent = RawWebSocket.connect(relay.port(), java.time.Duration.ofSeconds(5))) {
            await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 2);
            long start = System.nanoTime();
            // The raw client reads nothing and so never answers the relay's pings.
            await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 1);
            assertTrue(System.nanoTime() - start < java.time.Duration.ofSeconds(3).toNanos(),
                    "found within a few ping intervals, long before the 60 s idle timeout");
            assertTrue(answering.pingsReceived() >= 2);
            answering.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", answering.next());
        }
    }
}
