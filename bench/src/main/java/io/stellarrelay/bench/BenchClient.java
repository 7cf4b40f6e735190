package io.stellarrelay.bench;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One simulated browser tab: connects, authenticates with its session token, subscribes to its servers,
 * and then receives frames. It speaks the documented protocol on Jetty's core WebSocket API, so frames
 * are handled on the thread that read them (no hand-off per frame) and seen as raw bytes (no String, no
 * JSON per frame; see {@link Frames}).
 *
 * <p>Each connection attempt is an {@link Attempt} of its own, so events of a dropped connection never
 * mix with those of its successor (the storm scenario reconnects every client).
 */
public final class BenchClient {
    /** What a scenario wants to hear about; called on Jetty's I/O threads, so must be quick. */
    public interface Events {
        default void sync(BenchClient client, ByteBuffer payload, long receivedNanos) {}

        default void status(BenchClient client, ByteBuffer payload, long receivedNanos) {}

        default void console(BenchClient client, ByteBuffer payload, long receivedNanos) {}

        default void closedAfterReady(BenchClient client, int code, String reason) {}

        default void errorFrame(BenchClient client, String text) {}
    }

    static final Events NO_EVENTS = new Events() { };
    private static final int CONSOLE_MAX_FRAME_BYTES = 4 << 20;

    final int index;
    final String token;
    final String[] servers;
    private final byte[] authFrame;
    private final byte[][] subscribeFrames;
    private final Events events;
    private final boolean console;
    private volatile boolean subscribeOnAuth = true;
    private volatile Attempt current;

    // Timings of the current attempt, System.nanoTime(); -1 while not reached.
    volatile long connectStart = -1;
    volatile long opened = -1;
    volatile long authSent = -1;
    volatile long authenticated = -1;
    volatile long subscribeSent = -1;
    volatile long subscribedAll = -1;
    /** Per server: when its subscribe was sent and when its first sync arrived (first-sync scenario). */
    final AtomicLongArray subscribeSentAt;
    final AtomicLongArray firstSyncAt;

    public BenchClient(int index, String token, String[] servers, Events events) {
        this(index, token, servers, false, events);
    }

    /** @param console whether each subscribe also opts into console output ({@code "events":["console"]}) */
    public BenchClient(int index, String token, String[] servers, boolean console, Events events) {
        this.index = index;
        this.console = console;
        this.token = token;
        this.servers = servers;
        this.events = events == null ? NO_EVENTS : events;
        this.authFrame = ("{\"type\":\"auth\",\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
        this.subscribeFrames = new byte[servers.length][];
        for (int i = 0; i < servers.length; i++) {
            subscribeFrames[i] = ("{\"type\":\"subscribe\",\"serverId\":\"" + servers[i] + "\""
                    + (console ? ",\"events\":[\"console\"]}" : "}")).getBytes(StandardCharsets.UTF_8);
        }
        this.subscribeSentAt = new AtomicLongArray(servers.length);
        this.firstSyncAt = new AtomicLongArray(servers.length);
    }

    /** Whether authentication is followed by subscribing at once (default) or by {@link #subscribeAll()}. */
    public void subscribeOnAuth(boolean value) {
        subscribeOnAuth = value;
    }

    /** Starts a new attempt (the previous one, if any, is forgotten); returns its frame handler. */
    Attempt newAttempt(Phase phase) {
        connectStart = System.nanoTime();
        opened = authSent = authenticated = subscribeSent = subscribedAll = -1;
        for (int i = 0; i < servers.length; i++) {
            subscribeSentAt.set(i, -1);
            firstSyncAt.set(i, -1);
        }
        Attempt a = new Attempt(phase);
        current = a;
        return a;
    }

    /** Sends every subscribe now (first-sync scenario); records when. */
    public void subscribeAll() {
        Attempt a = current;
        if (a == null || a.session == null) {
            return;
        }
        long now = System.nanoTime();
        subscribeSent = now;
        for (int i = 0; i < servers.length; i++) {
            subscribeSentAt.set(i, now);
            a.send(subscribeFrames[i]);
        }
    }

    /** Drops the connection: {@code abort} cuts TCP without a close handshake, otherwise close 1001. */
    public void drop(boolean abort) {
        Attempt a = current;
        if (a != null && a.session != null) {
            a.dropped = true;
            if (abort) {
                a.session.abort();
            } else {
                a.session.close(CloseStatus.SHUTDOWN, "benchmark drop", Callback.NOOP);
            }
        }
    }

    /** Closes normally (1000). */
    public void close() {
        Attempt a = current;
        if (a != null && a.session != null && a.session.isOutputOpen()) {
            a.dropped = true;
            a.session.close(CloseStatus.NORMAL, "benchmark done", Callback.NOOP);
        }
    }

    public boolean isOpen() {
        Attempt a = current;
        return a != null && a.session != null && a.session.isOutputOpen();
    }

    long connectNanos() {
        return opened < 0 ? -1 : opened - connectStart;
    }

    long authNanos() {
        return authenticated < 0 ? -1 : authenticated - authSent;
    }

    long subscribeNanos() {
        return subscribedAll < 0 || subscribeSent < 0 ? -1 : subscribedAll - subscribeSent;
    }

    long totalNanos() {
        return subscribedAll < 0 ? -1 : subscribedAll - connectStart;
    }

    private int serverIndex(ByteBuffer payload) {
        if (servers.length == 1) {
            return 0;
        }
        String id = Frames.serverId(payload);
        for (int i = 0; i < servers.length; i++) {
            if (servers[i].equals(id)) {
                return i;
            }
        }
        return -1;
    }

    /** One WebSocket connection of this client. */
    final class Attempt implements FrameHandler {
        private final Phase phase;
        volatile CoreSession session;
        private boolean settled; // I/O thread of this session, or under this
        private int subscribedCount;
        volatile boolean dropped;

        Attempt(Phase phase) {
            this.phase = phase;
        }

        private boolean isCurrent() {
            return current == this;
        }

        void send(byte[] frame) {
            CoreSession s = session;
            if (s != null) {
                s.sendFrame(new Frame(OpCode.TEXT).setPayload(ByteBuffer.wrap(frame)), Callback.NOOP, false);
            }
        }

        synchronized void settle(boolean ok, String reason) {
            if (settled) {
                return;
            }
            settled = true;
            if (phase != null) {
                phase.settled(ok, reason);
            }
        }

        void connectFailed(Throwable cause) {
            Throwable c = cause;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            settle(false, "connect: " + c.getClass().getSimpleName()
                    + (c.getMessage() == null ? "" : " " + shorten(c.getMessage())));
        }

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            if (console) {
                // Console frames run to hundreds of KiB; whole frames, not fragments, let them be counted
                // by their bytes (the default hands large or partly read frames over in pieces).
                coreSession.setAutoFragment(false);
                coreSession.setMaxFrameSize(CONSOLE_MAX_FRAME_BYTES);
            }
            if (isCurrent()) {
                opened = System.nanoTime();
            }
            callback.succeeded();
            coreSession.demand();
            authSent = System.nanoTime();
            send(authFrame);
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            byte op = frame.getOpCode();
            try {
                if (op == OpCode.TEXT) {
                    text(frame.getPayload());
                } else if (op == OpCode.PING) {
                    ByteBuffer copy = ByteBuffer.allocate(frame.getPayloadLength());
                    copy.put(frame.getPayload().duplicate()).flip();
                    session.sendFrame(new Frame(OpCode.PONG).setPayload(copy), Callback.NOOP, false);
                }
            } finally {
                callback.succeeded();
            }
            if (op != OpCode.CLOSE) {
                session.demand();
            }
        }

        private void text(ByteBuffer payload) {
            long now = System.nanoTime();
            switch (Frames.kind(payload)) {
                case SYNC -> {
                    if (servers.length > 0 && isCurrent()) {
                        int i = serverIndex(payload);
                        if (i >= 0 && firstSyncAt.get(i) < 0 && subscribeSentAt.get(i) >= 0) {
                            firstSyncAt.compareAndSet(i, -1, now);
                        }
                    }
                    events.sync(BenchClient.this, payload, now);
                }
                case STATUS -> events.status(BenchClient.this, payload, now);
                case CONSOLE -> events.console(BenchClient.this, payload, now);
                case SUBSCRIBED -> {
                    if (++subscribedCount == servers.length && isCurrent()) {
                        subscribedAll = now;
                        if (subscribeOnAuth) {
                            settle(true, null);
                        }
                    }
                }
                case AUTH_SUCCESS -> {
                    if (isCurrent()) {
                        authenticated = now;
                    }
                    if (subscribeOnAuth && servers.length > 0) {
                        subscribeSent = System.nanoTime();
                        for (byte[] f : subscribeFrames) {
                            send(f);
                        }
                    } else {
                        settle(true, null);
                    }
                }
                case AUTH_ERROR -> settle(false, "auth_error: " + shorten(Frames.text(payload)));
                case ERROR -> {
                    String text = Frames.text(payload);
                    settle(false, "error: " + shorten(text));
                    events.errorFrame(BenchClient.this, text);
                }
                default -> { }
            }
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
            int code = closeStatus.getCode();
            boolean wasSettled;
            synchronized (this) {
                wasSettled = settled;
            }
            if (!wasSettled) {
                settle(false, "closed " + code + " " + shorten(String.valueOf(closeStatus.getReason())));
            } else if (!dropped) {
                events.closedAfterReady(BenchClient.this, code, closeStatus.getReason());
            }
        }
    }

    static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
