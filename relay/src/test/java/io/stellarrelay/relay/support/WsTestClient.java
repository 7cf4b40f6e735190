package io.stellarrelay.relay.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A WebSocket client for tests: records every text frame and answers pings while counting them. */
public final class WsTestClient implements Session.Listener.AutoDemanding, AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static WebSocketClient jetty;

    private final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private volatile Session session;

    private static synchronized WebSocketClient jetty() throws Exception {
        if (jetty == null) {
            jetty = new WebSocketClient();
            jetty.start();
        }
        return jetty;
    }

    public static WsTestClient connect(int port) throws Exception {
        return connect(port, Map.of());
    }

    /** Connects to {@code /api/ws} on localhost, sending {@code cookieHeader} when not null. */
    public static WsTestClient connect(int port, String cookieHeader) throws Exception {
        return connect(port, Map.of("Cookie", cookieHeader == null ? "" : cookieHeader));
    }

    /** Connects with these request headers (empty values are left out). */
    public static WsTestClient connect(int port, Map<String, String> headers) throws Exception {
        WsTestClient client = new WsTestClient();
        ClientUpgradeRequest request = new ClientUpgradeRequest(URI.create("ws://127.0.0.1:" + port + "/api/ws"));
        headers.forEach((name, value) -> {
            if (value != null && !value.isEmpty()) {
                request.setHeader(name, value);
            }
        });
        jetty().connect(client, request).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return client;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
    }

    @Override
    public void onWebSocketText(String message) {
        received.add(message);
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        pings.incrementAndGet();
        session.sendPong(payload, Callback.NOOP);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // Refused upgrades and aborted sockets surface through connect() and awaitClose(); nothing to log.
        closeCode.complete(-1);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closeCode.complete(statusCode);
    }

    public void send(String text) {
        session.sendText(text, Callback.NOOP);
    }

    public void sendBinary(byte[] bytes) {
        session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
    }

    public boolean isOpen() {
        return session.isOpen() && !closeCode.isDone();
    }

    public int pingsReceived() {
        return pings.get();
    }

    /** The next text frame; fails after {@link #WAIT}. */
    /** Sends a token {@code auth} and waits for its {@code auth_success}. */
    public WsTestClient authenticate(String token) throws InterruptedException {
        send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        String reply = next();
        assertTrue(reply != null && reply.contains("auth_success"), () -> "expected auth_success, got " + reply);
        return this;
    }

    /** Subscribes to {@code serverId} and waits for its {@code subscribed} confirmation. */
    public WsTestClient subscribe(String serverId) throws InterruptedException {
        send("{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"}");
        assertEquals("{\"type\":\"subscribed\",\"serverId\":\"" + serverId + "\"}", next());
        return this;
    }

    public String next() throws InterruptedException {
        String message = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            fail("no message within " + WAIT);
        }
        return message;
    }

    public JsonNode nextJson() throws Exception {
        return JSON.readTree(next());
    }

    /** Skips frames until one matches; fails after {@link #WAIT}. */
    public String awaitMessage(Predicate<String> match) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> skipped = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String message = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (message != null && match.test(message)) {
                return message;
            }
            if (message != null) {
                skipped.add(message);
            }
        }
        return fail("no matching message within " + WAIT + "; got " + skipped);
    }

    /** The first {@code server:sync} for {@code serverId}. */
    public String awaitSync(String serverId) throws InterruptedException {
        return awaitMessage(m -> m.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + serverId + "\""));
    }

    /**
     * Checks that the relay did not authenticate this socket: it said nothing on its own, and a subscribe
     * is refused for want of authentication (silence alone would also fit a socket authenticated
     * without a word).
     */
    public void assertNotAuthenticated(String because) throws InterruptedException {
        List<String> unasked = drainUntilPong();
        if (!unasked.isEmpty()) {
            fail(because + ": the relay sent " + unasked);
        }
        send("{\"type\":\"subscribe\",\"serverId\":\"srv_any\"}");
        String reply = next();
        if (!"{\"type\":\"error\",\"error\":\"Authentication required to subscribe\"}".equals(reply)) {
            fail(because + ": a subscribe got " + reply);
        }
    }

    /**
     * Sends a ping and returns every frame that arrived before its pong: the relay answers in order, so
     * this is everything the relay had sent to this socket when it read the ping.
     */
    public List<String> drainUntilPong() throws InterruptedException {
        send("{\"type\":\"ping\"}");
        List<String> before = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String message = next();
            if (message.equals("{\"type\":\"pong\"}")) {
                return before;
            }
            before.add(message);
        }
        fail("no pong within " + WAIT + " while frames kept coming: " + before.size() + " of them");
        return before; // not reached
    }

    /** Every frame received so far that no one has taken yet. */
    public List<String> takeReceived() {
        List<String> taken = new ArrayList<>();
        received.drainTo(taken);
        return taken;
    }

    /**
     * Completes with the close code once the socket is gone, closed by either side (1006 or -1 when the
     * connection just broke), without waiting for it.
     */
    public CompletableFuture<Integer> closed() {
        return closeCode.copy();
    }

    /** The close code once the relay closes the socket; fails after {@link #WAIT}. */
    public int awaitClose() throws Exception {
        return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close();
        }
    }
}
