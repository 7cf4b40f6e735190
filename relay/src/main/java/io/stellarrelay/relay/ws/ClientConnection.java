package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.console.ConsoleOptIn;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;
import io.stellarrelay.relay.metrics.RelayMetrics;
import io.stellarrelay.relay.websocket.Frames;
import io.stellarrelay.relay.websocket.Socket;
import io.stellarrelay.relay.websocket.SocketHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client of the relay: who it is, what it watches and on what grounds, and its budgets. The socket
 * underneath ({@link Socket}) does the WebSocket work; the hubs deliver to that socket directly.
 *
 * <p>Subscriptions change under this object's lock, together with the hub, so a client that closes while
 * a subscribe is being checked can never be left in the hub. The session token is kept for re-checking
 * and never printed.
 */
public final class ClientConnection implements SocketHandler {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    /** What became of a subscribe. */
    enum SubscribeResult { SUBSCRIBED, LIMIT_REACHED, CLOSED }

    /** What every client of the relay uses, held once. */
    public record Shared(ClientMessages messages, ProtocolCodec codec, Hub hub, ConsoleOptIn consoles, RelayMetrics metrics) {}

    private final Shared shared;
    private Socket socket; // set once, on open, before any other use
    private final String address;
    private final long connectedAtNanos;
    private final TokenBucket inbound;
    private final AtomicBoolean closeCounted = new AtomicBoolean();
    private final Map<String, Subscription> subscriptions = new HashMap<>(4); // guarded by this
    private boolean closed; // guarded by this
    private volatile AuthenticatedUser user;
    private volatile String token;
    private int authFailures; // handler thread only
    private String cookieToken; // verified at the upgrade, used once at open

    ClientConnection(Shared shared, String address, String cookieToken, TokenBucket inbound) {
        this.shared = shared;
        this.address = address;
        this.cookieToken = cookieToken;
        this.inbound = inbound;
        this.connectedAtNanos = System.nanoTime();
    }

    // --- the socket's events; messages arrive one at a time, in order. ---

    @Override
    public void onOpen(Socket socket) {
        this.socket = socket;
        String token = cookieToken;
        cookieToken = null;
        shared.messages().opened(this, token);
    }

    @Override
    public void onText(byte[] utf8) {
        shared.messages().text(this, new String(utf8, StandardCharsets.UTF_8));
    }

    @Override
    public void onBinary() {
        shared.messages().binary(this);
    }

    @Override
    public void onOverflow() {
        shared.metrics().dropped();
        log.debug("{} is not reading: {} bytes waiting; closing it", this, socket.bufferedBytes());
        closed();
        countClose(CloseCode.SLOW_CONSUMER.code());
        socket.cutOff(CloseCode.SLOW_CONSUMER.code(), CloseCode.SLOW_CONSUMER.reason());
    }

    @Override
    public void onClosed(int code) {
        countClose(code);
        shared.messages().closed(this);
    }

    long lastHeardNanos() {
        return socket.lastHeardNanos();
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
     * (a console already received stays on; one newly opened gets its history first). The
     * {@code subscribed} reply, then the server's current state if known (a complete frame), are queued
     * before the socket joins the hubs, so no frame can overtake them.
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
        send(new ServerMessage.Subscribed(serverId));
        if (current != null) {
            socket.deliver(current.duplicate()); // the current state at once, before any later sync can overtake it
        }
        if (before == null) {
            shared.hub().watch(serverId, socket);
        }
        Watcher consoleWatcher = hadConsole ? before.consoleWatcher()
                : console ? shared.consoles().watch(serverId, socket) : null;
        subscriptions.put(serverId, new Subscription(grant, consoleWatcher));
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
        subscriptions.put(serverId, new Subscription(current.grant(), null));
        shared.consoles().unwatch(serverId, current.consoleWatcher());
        return true;
    }

    private void unwatch(String serverId, Subscription subscription) {
        shared.hub().unwatch(serverId, socket);
        if (subscription.console()) {
            shared.consoles().unwatch(serverId, subscription.consoleWatcher());
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
        socket.send(Frames.text(shared.codec().encodeToBytes(message)));
    }

    void ping() {
        socket.ping();
    }

    /** Stops deliveries at once, then closes with {@code code}. */
    public void close(CloseCode code) {
        closed();
        countClose(code.code());
        socket.close(code.code(), code.reason());
    }

    /**
     * Counts how this socket ended, once: by the code the relay closed it with when the relay closed
     * first, else by the client's own code, or 1006 when no close frame came.
     */
    private void countClose(int code) {
        if (closeCounted.compareAndSet(false, true)) {
            shared.metrics().closed(code);
        }
    }

    /** Drops the TCP connection without a close handshake (for peers that no longer answer). */
    void disconnect() {
        closed();
        socket.disconnect();
    }

    /** Ends a close handshake the client did not finish within the grace period. */
    void expireClose(long nowNanos) {
        socket.expireClose(nowNanos);
    }

    @Override
    public String toString() {
        AuthenticatedUser u = user;
        return "ClientConnection[" + address + ", user=" + (u == null ? "-" : u.id()) + "]";
    }
}
