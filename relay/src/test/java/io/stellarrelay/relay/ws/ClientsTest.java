package io.stellarrelay.relay.ws;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.console.ConsoleOptIn;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.metrics.RelayMetrics;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Clients")
class ClientsTest {
    private static final Duration ALIVE = Duration.ofHours(1);

    @Test
    @DisplayName("pings every client once per round of slots, never all of them in one slot")
    void spreadsPingsOverTheInterval() {
        Clients clients = new Clients(100_000, 100_000, Duration.ofMinutes(1));
        ProtocolCodec codec = new ProtocolCodec();
        RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry());
        ClientMessages messages = new ClientMessages(codec, clients, null, null);
        ClientConnection.Shared shared = new ClientConnection.Shared(messages, codec, new Hub(),
                new ConsoleOptIn(new Hub()), metrics);
        List<MemorySocket> sockets = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            MemorySocket socket = new MemorySocket();
            new ClientConnection(shared, "10.0.0." + (i % 250), null, new TokenBucket(1, 1, System.nanoTime()))
                    .onOpen(socket);
            sockets.add(socket);
        }
        int largestSlot = 0;
        for (int slot = 0; slot < Clients.PING_SLOTS; slot++) {
            int before = sockets.stream().mapToInt(s -> s.pings).sum();
            clients.pingNextSlot(ALIVE);
            largestSlot = Math.max(largestSlot, sockets.stream().mapToInt(s -> s.pings).sum() - before);
        }
        for (MemorySocket socket : sockets) {
            assertEquals(1, socket.pings, "one ping per client per interval");
        }
        assertTrue(largestSlot < sockets.size() / 10, "no burst: the largest slot pinged " + largestSlot);
    }
}
