package io.stellarrelay.relay;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RawWebSocket;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PrometheusText;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that stops reading is cut off with 4010 instead of making the relay queue for it forever. */
class SlowConsumerIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();

    private static final int PADDING = 50_000;
    private static final int BATCH = 40;
    private static final int MAX_FRAMES = 4_000;

    @Test
    @DisplayName("a client that never reads is closed with 4010 once its buffer is full; a reading client gets every frame")
    void clientThatNeverReadsIsCutOff() throws Exception {
        String channel = new RedisNames(services.redis().prefix()).serverChannel(SERVER);
        try (RelayApp relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of("WS_MAX_BUFFERED_BYTES", "65536"));
             RawWebSocket stalled = RawWebSocket.connect(relay.port(), Duration.ofSeconds(10));
             WsTestClient reader = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN))) {
            int sent;
            stalled.sendText("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
            assertTrue(stalled.read().text().contains("auth_success"));
            stalled.sendText("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertTrue(stalled.read().text().contains("subscribed"));
            assertTrue(reader.next().contains("auth_success"));
            reader.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertTrue(reader.next().contains("subscribed"));
            RelayFixture.awaitChannelSubscribers(services.redis(), channel, 1);

            // From here on the stalled client reads nothing. Loopback socket buffers can hold tens of
            // megabytes, so keep publishing (in batches the reader drains) until the relay gives up on it.
            String padding = "x".repeat(PADDING);
            int seq = 0;
            while (relay.watcherCount(SERVER) > 1) {
                assertTrue(seq < MAX_FRAMES, "the stalled client was not cut off after " + seq + " frames");
                int batchEnd = seq + BATCH;
                for (int i = seq; i < batchEnd; i++) {
                    services.redis().client().publish(channel, "{\"type\":\"server:sync\",\"serverId\":\"" + SERVER
                            + "\",\"data\":{\"seq\":" + i + ",\"pad\":\"" + padding + "\"}}");
                }
                for (; seq < batchEnd; seq++) {
                    assertTrue(reader.awaitSync(SERVER).contains("{\"seq\":" + seq + ","), "frame " + seq + " in order");
                }
            }
            assertTrue(reader.isOpen());
            sent = seq;
            PrometheusText metrics = PrometheusText.scrape(relay.port());
            assertTrue(metrics.value("stellar_relay_deliveries_dropped_total") >= 1, "the refused frame is counted");
            assertEquals(1, metrics.value("stellar_relay_closes_total", "code", "4010"));

            // When it finally reads, what was already on its way ends with the close frame; a client that
            // never reads again is disconnected once the close handshake has had its grace period.
            int closeCode = -1;
            for (int i = 0; i <= sent && closeCode < 0; i++) {
                RawWebSocket.Frame frame = stalled.read();
                if (frame.opcode() == RawWebSocket.CLOSE) {
                    closeCode = frame.closeCode();
                }
            }
            assertEquals(CloseCode.SLOW_CONSUMER.code(), closeCode);
            org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 1);
        }
    }
}
