package io.stellarrelay.relay;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RawWebSocket;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every close code the relay sends reaches a client that keeps sending while it is closed: the relay
 * finishes the close handshake instead of closing a TCP connection with unread input (which makes the
 * kernel answer with a reset that can destroy the close frame on its way). Each offence is committed
 * by {@value #CLIENTS} clients at once, each writing frames continuously from its own thread.
 */
class CloseHandshakeIT {
    private static final int CLIENTS = 100;
    private static final long WRITE_PACE_MICROS = 2000;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    private static final byte[] PING = RawWebSocket.encode(true, 0, RawWebSocket.TEXT,
            "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true);
    /** Limits that the continuous writing itself never reaches, unless a test lowers one. */
    private static final Map<String, String> GENEROUS = Map.of("RATE_LIMIT_PER_SECOND", "1000000",
            "RATE_LIMIT_BURST", "1000000", "MAX_CONNECTIONS_PER_ADDRESS", "100000",
            "MAX_CONNECTIONS_PER_USER", "100000", "MAX_AUTH_FAILURES_PER_ADDRESS", "1000000",
            "AUTH_TIMEOUT_MS", "120000");

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();

    @AfterAll
    static void stop() {
    }

    private static RelayApp relay(Map<String, String> overrides) {
        Map<String, String> env = new TreeMap<>(GENEROUS);
        env.putAll(overrides);
        return RelayFixture.startRelay(services.db(), services.redis(), env);
    }

    /** One client: a writer thread sends {@code writing} in a loop until the client has seen the close frame. */
    private static final class Client implements AutoCloseable {
        final RawWebSocket socket;
        private volatile boolean closing;
        private Thread writer;

        Client(int port) throws IOException {
            socket = RawWebSocket.connect(port, READ_TIMEOUT);
        }

        synchronized void send(byte[] frame) throws IOException {
            if (!closing) {
                socket.sendRaw(frame);
            }
        }

        void sendText(String text) throws IOException {
            send(RawWebSocket.encode(true, 0, RawWebSocket.TEXT, text.getBytes(StandardCharsets.UTF_8), true));
        }

        /**
         * Keeps writing {@code frame} until the close frame has been read (or the socket fails), a frame every
         * {@value #WRITE_PACE_MICROS} µs: a browser tab in the middle of a burst.
         */
        void writeContinuously(byte[] frame) {
            writer = Thread.ofVirtual().start(() -> {
                try {
                    while (!closing) {
                        send(frame);
                        LockSupport.parkNanos(WRITE_PACE_MICROS * 1000L); // pacing, not synchronisation
                    }
                } catch (IOException e) {
                    // the relay has closed the connection; the reader reports what it saw
                }
            });
        }

        /** Reads until the close frame and answers it like a browser; 1006 when the connection ended without one. */
        int awaitCloseCode() throws InterruptedException {
            try {
                while (true) {
                    RawWebSocket.Frame frame = socket.read();
                    if (frame.opcode() == RawWebSocket.CLOSE) {
                        synchronized (this) {
                            closing = true;
                            socket.sendRaw(RawWebSocket.encode(true, 0, RawWebSocket.CLOSE,
                                    RawWebSocket.closePayload(1000, new byte[0]), true));
                        }
                        return frame.closeCode();
                    }
                }
            } catch (IOException e) {
                return 1006; // reset or end of stream before any close frame
            } finally {
                closing = true;
                if (writer != null) {
                    writer.join(READ_TIMEOUT);
                }
            }
        }

        @Override
        public void close() {
            closing = true;
            socket.close();
        }
    }

    /** What one client does before its close code is read: connect, then commit its offence. */
    private interface Offence {
        Client commit(int port) throws Exception;
    }

    /** Runs {@value #CLIENTS} clients at once and returns how many saw each close code. */
    private static Map<Integer, Integer> closeCodes(int port, Offence offence) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                results.add(pool.submit(() -> {
                    try (Client client = offence.commit(port)) {
                        return client.awaitCloseCode();
                    }
                }));
            }
            Map<Integer, Integer> seen = new TreeMap<>();
            for (Future<Integer> r : results) {
                seen.merge(r.get(READ_TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS), 1, Integer::sum);
            }
            return seen;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertAllSaw(CloseCode expected, Map<Integer, Integer> seen) {
        assertEquals(Map.of(expected.code(), CLIENTS), seen, "close codes seen by " + CLIENTS + " clients");
    }

    @Test
    @DisplayName("a frame over MAX_MESSAGE_BYTES in the middle of a stream of frames gets 1009 at the client, every time")
    void messageTooBig() throws Exception {
        byte[] tooBig = RawWebSocket.encode(true, 0, RawWebSocket.TEXT,
                ("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(600) + "\"}").getBytes(StandardCharsets.UTF_8), true);
        try (RelayApp relay = relay(Map.of("MAX_MESSAGE_BYTES", "512"))) {
            assertAllSaw(CloseCode.MESSAGE_TOO_BIG, closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.writeContinuously(PING);
                c.send(tooBig);
                return c;
            }));
        }
    }

    @Test
    @DisplayName("a client that keeps sending without authenticating gets 4001 at the client, every time")
    void authTimeout() throws Exception {
        try (RelayApp relay = relay(Map.of("AUTH_TIMEOUT_MS", "300"))) {
            assertAllSaw(CloseCode.AUTH_TIMEOUT, closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.writeContinuously(PING);
                return c;
            }));
        }
    }

    @Test
    @DisplayName("a client sending past its rate limit gets 4008 at the client, every time")
    void rateLimited() throws Exception {
        try (RelayApp relay = relay(Map.of("RATE_LIMIT_PER_SECOND", "20", "RATE_LIMIT_BURST", "20"))) {
            assertAllSaw(CloseCode.RATE_LIMITED, closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.writeContinuously(PING);
                return c;
            }));
        }
    }

    @Test
    @DisplayName("a client that keeps guessing tokens gets 4029 at the client, every time")
    void authFailures() throws Exception {
        byte[] guess = RawWebSocket.encode(true, 0, RawWebSocket.TEXT,
                "{\"type\":\"auth\",\"token\":\"guess\"}".getBytes(StandardCharsets.UTF_8), true);
        try (RelayApp relay = relay(Map.of("MAX_AUTH_FAILURES_PER_CONNECTION", "3"))) {
            assertAllSaw(CloseCode.TOO_MANY_AUTH_FAILURES, closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.writeContinuously(guess);
                return c;
            }));
        }
    }

    @Test
    @DisplayName("a client over its user's connection limit that keeps sending gets 4009 at the client, every time")
    void tooManyConnectionsForUser() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_CONNECTIONS_PER_USER", "1"));
             WsTestClient holder = WsTestClient.connect(relay.port())) {
            holder.authenticate(OWNER_TOKEN);
            assertAllSaw(CloseCode.TOO_MANY_CONNECTIONS, closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.sendText("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
                c.writeContinuously(PING);
                return c;
            }));
        }
    }

    @Test
    @DisplayName("a client that stops reading but keeps sending gets 4010 once it reads again, every time")
    void slowConsumer() throws Exception {
        String channel = new RedisNames(services.redis().prefix()).serverChannel(SERVER);
        String frame = "{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\",\"data\":{\"pad\":\""
                + "x".repeat(16_000) + "\"}}";
        try (RelayApp relay = relay(Map.of("WS_MAX_BUFFERED_BYTES", "65536"))) {
            CountDownLatch subscribed = new CountDownLatch(CLIENTS);
            CountDownLatch cutOff = new CountDownLatch(1);
            Thread publisher = Thread.ofVirtual().start(() -> {
                try {
                    subscribed.await();
                    // Publish until the relay has given up on every client; each of them reads nothing meanwhile.
                    for (int i = 0; i < 10_000 && relay.watcherCount(SERVER) > 0; i++) {
                        services.redis().client().publish(channel, frame);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    cutOff.countDown();
                }
            });
            Map<Integer, Integer> seen = closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.sendText("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
                assertTrue(c.socket.read().text().contains("auth_success"));
                c.sendText("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
                assertTrue(c.socket.read().text().contains("subscribed"));
                c.writeContinuously(PING);
                subscribed.countDown();
                assertTrue(cutOff.await(READ_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "publishing ended");
                return c;
            });
            publisher.join(READ_TIMEOUT);
            assertAllSaw(CloseCode.SLOW_CONSUMER, seen);
        }
    }

    @Test
    @DisplayName("clients that keep sending while the relay drains get 1012 at the client, every time")
    void drain() throws Exception {
        try (RelayApp relay = relay(Map.of("SHUTDOWN_TIMEOUT_MS", "20000"))) {
            CountDownLatch writing = new CountDownLatch(CLIENTS);
            Thread drainer = Thread.ofVirtual().start(() -> {
                try {
                    writing.await();
                    relay.drain();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Map<Integer, Integer> seen = closeCodes(relay.port(), port -> {
                Client c = new Client(port);
                c.writeContinuously(PING);
                writing.countDown();
                return c;
            });
            drainer.join(READ_TIMEOUT);
            assertAllSaw(CloseCode.SERVICE_RESTART, seen);
        }
    }
}
