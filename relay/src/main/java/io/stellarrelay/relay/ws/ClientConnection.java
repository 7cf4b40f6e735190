package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;
import io.stellarrelay.relay.metrics.RelayMetrics;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client socket: who it is, what it watches and on what grounds, its budgets, and how frames
 * reach it.
 *
 * <p>Frames go to Jetty's core session as pre-encoded text payloads, so a sync that reaches thousands of
 * sockets is encoded once by the poller and never touched again (no String, no UTF-8 encoding per
 * socket). Sends never block; completion is reported to one reusable callback.
 *
 * <p>Subscriptions change under this object's lock, together with the hub, so a socket that closes
 * while a subscribe is being checked can never be left in the hub. The session token is kept for
 * re-checking and never printed.
 */
public final class ClientConnection implements Watcher, Session.Listener.AutoDemanding {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    /** What became of a subscribe. */
    enum SubscribeResult { SUBSCRIBED, LIMIT_REACHED, CLOSED }

    private final RelayWebSocket handler;
    private Session session; // set once, on open, before any other use
    private CoreSession core;
    private final ProtocolCodec codec;
    private final Hub hub;
    private final Hub consoles;
    private final RelayMetrics metrics;
    private final String address;
    private final long connectedAtNanos;
    private final TokenBucket inbound;
    private final Callback sendCallback = new SendCallback();
    private final long maxBufferedBytes;
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicBoolean slow = new AtomicBoolean();
    private final AtomicLong closeRequestedAt = new AtomicLong();
    private final AtomicBoolean closeCounted = new AtomicBoolean();
    private final Map<String, Subscription> subscriptions = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this
    private volatile AuthenticatedUser user;
    private volatile String token;
    private int authFailures; // handler thread only

    private volatile long lastHeardNanos;
    private String cookieToken; // verified at the upgrade, used once at open

    ClientConnection(RelayWebSocket handler, ProtocolCodec codec, Hub hub, Hub consoles, RelayMetrics metrics,
                     String address, String cookieToken, TokenBucket inbound, long maxBufferedBytes) {
        this.handler = handler;
        this.codec = codec;
        this.hub = hub;
        this.consoles = consoles;
        this.metrics = metrics;
        this.address = address;
        this.cookieToken = cookieToken;
        this.inbound = inbound;
        this.maxBufferedBytes = maxBufferedBytes;
        this.connectedAtNanos = System.nanoTime();
        this.lastHeardNanos = connectedAtNanos;
    }

    // --- Jetty's events for this socket; frames arrive one at a time, in order. ---

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        this.core = ((WebSocketSession) session).getCoreSession();
        String token = cookieToken;
        cookieToken = null;
        handler.opened(this, token);
    }

    @Override
    public void onWebSocketText(String message) {
        lastHeardNanos = System.nanoTime();
        handler.text(this, message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
        lastHeardNanos = System.nanoTime();
        callback.succeed();
        handler.binary(this);
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        lastHeardNanos = System.nanoTime(); // the answer to our keepalive ping: the peer is alive
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback) {
        callback.succeed();
        countClose(statusCode);
        handler.closed(this);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        log.debug("Socket error on {}: {}", this, cause.toString());
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    public AuthenticatedUser user() {
        return user;
    }

    String token() {
        return token;
    }

    String address() {
        return address;
    }

    long connectedAtNanos() {
        return connectedAtNanos;
    }

    /**
     * Records who the socket belongs to; false when it has closed meanwhile (the session lookup can take
     * a while), so the caller gives back what it counted for this user instead of leaking it.
     */
    synchronized boolean authenticated(AuthenticatedUser user, String token) {
        if (closed) {
            return false;
        }
        this.token = token;
        this.user = user;
        return true;
    }

    /** The admin flag may change between checks; the id never does for a given session. */
    void refreshUser(AuthenticatedUser refreshed) {
        this.user = refreshed;
    }

    /** Counts a failed authentication on this socket and returns the total. */
    int recordAuthFailure() {
        return ++authFailures;
    }

    /** Takes one inbound message from the budget; false when the socket is sending too fast. */
    boolean takeInbound() {
        return inbound.tryTake(System.nanoTime());
    }

    /**
     * Starts delivering the server's frames to this socket, and its console too when {@code console}
     * (a console already received stays on). The {@code subscribed} reply, then the server's current
     * state if known, are queued before the socket joins the hubs, so no frame can overtake them.
     */
    synchronized SubscribeResult subscribe(String serverId, Grant grant, boolean console, int limit, ByteBuffer current) {
        if (closed) {
            return SubscribeResult.CLOSED;
        }
        Subscription before = subscriptions.get(serverId);
        if (before == null && subscriptions.size() >= limit) {
            return SubscribeResult.LIMIT_REACHED;
        }
        boolean hadConsole = before != null && before.console();
        subscriptions.put(serverId, new Subscription(grant, console || hadConsole));
        send(new ServerMessage.Subscribed(serverId));
        if (current != null) {
            deliver(current); // the current state at once, before any later sync can overtake it
        }
        if (before == null) {
            hub.watch(serverId, this);
        }
        if (console && !hadConsole) {
            consoles.watch(serverId, this);
        }
        return SubscribeResult.SUBSCRIBED;
    }

    /** Ends the whole subscription, console included. */
    synchronized void unsubscribe(String serverId) {
        Subscription removed = subscriptions.remove(serverId);
        if (removed != null) {
            unwatch(serverId, removed);
        }
    }

    /** Stops the console of a subscription, keeping the rest; true when it was on. */
    synchronized boolean unsubscribeConsole(String serverId) {
        Subscription current = subscriptions.get(serverId);
        if (current == null || !current.console()) {
            return false;
        }
        subscriptions.put(serverId, new Subscription(current.grant(), false));
        consoles.unwatch(serverId, this);
        return true;
    }

    private void unwatch(String serverId, Subscription subscription) {
        hub.unwatch(serverId, this);
        if (subscription.console()) {
            consoles.unwatch(serverId, this);
        }
    }

    /** Ends one subscription because access is gone, and says why. */
    void revoke(String serverId, String error) {
        synchronized (this) {
            Subscription removed = subscriptions.remove(serverId);
            if (removed == null) {
                return;
            }
            unwatch(serverId, removed);
        }
        send(new ServerMessage.Error(error, serverId));
    }

    /** Ends the console of one subscription because the permission is gone, and says so. */
    void revokeConsole(String serverId, String error) {
        if (unsubscribeConsole(serverId)) {
            send(new ServerMessage.Error(error, serverId));
        }
    }

    synchronized Map<String, Subscription> subscriptions() {
        return Map.copyOf(subscriptions);
    }

    /** Whether subscribing to the server stays within {@code limit} (re-subscribing always does). */
    synchronized boolean hasRoomFor(String serverId, int limit) {
        return subscriptions.size() < limit || subscriptions.containsKey(serverId);
    }

    /** Releases everything this socket watched; later subscribes are refused. */
    synchronized void closed() {
        closed = true;
        subscriptions.forEach(this::unwatch);
        subscriptions.clear();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    void send(ServerMessage message) {
        sendText(ByteBuffer.wrap(codec.encodeToBytes(message)));
    }

    @Override
    public void deliver(ByteBuffer frame) {
        sendText(frame.duplicate());
    }

    /**
     * Queues a text frame unless that would put more than the budget in flight: a client that does not
     * read what it is sent is cut off (4010) instead of making the relay hold ever more for it.
     */
    private void sendText(ByteBuffer utf8) {
        if (!session.isOpen()) {
            return;
        }
        int size = utf8.remaining();
        if (buffered.addAndGet(size) > maxBufferedBytes) {
            buffered.addAndGet(-size);
            metrics.dropped();
            if (slow.compareAndSet(false, true)) {
                log.debug("{} is not reading: {} bytes waiting; closing it", this, buffered.get());
                close(CloseCode.SLOW_CONSUMER);
            }
            return;
        }
        core.sendFrame(new Frame(OpCode.TEXT, utf8), new Sent(size), false);
    }

    /** Bytes queued for this socket and not yet written to the network. */
    long bufferedBytes() {
        return buffered.get();
    }

    void ping() {
        if (session.isOpen()) {
            core.sendFrame(new Frame(OpCode.PING), sendCallback, false);
        }
    }

    /** Stops deliveries at once, then closes with {@code code}. */
    void close(CloseCode code) {
        close(code.code(), code.reason());
    }

    void close(int code, String reason) {
        closed();
        countClose(code);
        closeRequestedAt.compareAndSet(0, System.nanoTime());
        session.close(code, reason, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    /**
     * Counts how this socket ended, once: by the code the relay closed it with when the relay closed
     * first, else by the status Jetty reports (the client's own code, or 1006 when no close frame came).
     * The relay's code is counted when it asks to close because Jetty's close event would carry the
     * client's reply instead (typically 1000).
     */
    private void countClose(int code) {
        if (closeCounted.compareAndSet(false, true)) {
            metrics.closed(code);
        }
    }

    /** Drops the TCP connection without a close handshake (for peers that no longer answer). */
    void disconnect() {
        closed();
        session.disconnect();
    }

    /**
     * A close frame queues behind whatever the client has not read, so a client that stopped reading
     * never completes the close handshake; past {@code grace} the TCP connection is simply dropped.
     */
    void disconnectIfCloseStuck(long nowNanos, long graceNanos) {
        long requested = closeRequestedAt.get();
        // Called only for sockets whose onClose has not run yet; once our close frame is out Jetty
        // reports the session as not open while it still waits for the client's answer.
        if (requested != 0 && nowNanos - requested >= graceNanos) {
            log.debug("{} did not finish closing; disconnecting", this);
            session.disconnect();
        }
    }

    @Override
    public String toString() {
        AuthenticatedUser u = user;
        return "ClientConnection[" + address + ", user=" + (u == null ? "-" : u.id()) + "]";
    }

    /** Completion of one text frame: gives its bytes back to the budget, whatever the outcome. */
    private final class Sent implements Callback {
        private final int size;

        Sent(int size) {
            this.size = size;
        }

        @Override
        public void succeeded() {
            buffered.addAndGet(-size);
        }

        @Override
        public void failed(Throwable cause) {
            buffered.addAndGet(-size);
            log.debug("Send to {} failed: {}", address, cause.toString());
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    private final class SendCallback implements Callback {
        @Override
        public void failed(Throwable cause) {
            // The socket is going away (peer gone, closed meanwhile); Jetty closes it and onClose cleans up.
            log.debug("Send to {} failed: {}", address, cause.toString());
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
