package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.guard.ConnectionCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay's open clients: who is connected, the per-address and per-user connection counts, and what
 * is done to all of them at once (keepalive pings, deadlines, draining, shutdown).
 */
public final class Clients {
    private static final Logger log = LoggerFactory.getLogger(Clients.class);

    private final Set<ClientConnection> open = ConcurrentHashMap.newKeySet();
    private final ConnectionCounter perAddress;
    private final ConnectionCounter perUser;
    private final AtomicInteger authenticated = new AtomicInteger(); // open clients holding a per-user slot
    private final Duration authTimeout;
    private volatile boolean draining;
    private int nextPingSlot; // keepalive thread only

    /** Slices of the ping interval: each client is pinged in one of them. */
    public static final int PING_SLOTS = 30;

    public Clients(int maxPerAddress, int maxPerUser, Duration authTimeout) {
        this.perAddress = new ConnectionCounter(maxPerAddress);
        this.perUser = new ConnectionCounter(maxPerUser);
        this.authTimeout = authTimeout;
    }

    /** Whether an address has as many clients as it may: its next upgrade is refused. */
    boolean isFull(String address) {
        return perAddress.count(address) >= perAddress.limit();
    }

    /** Counts a new client in; false (and it is closed) when its address is full or the relay drains. */
    boolean join(ClientConnection client) {
        if (!perAddress.tryAcquire(client.address())) {
            client.close(CloseCode.TOO_MANY_CONNECTIONS);
            return false;
        }
        open.add(client);
        if (draining) {
            client.close(CloseCode.SERVICE_RESTART);
            return false;
        }
        return true;
    }

    /** Counts a client out; what it held is released once. */
    void leave(ClientConnection client) {
        if (open.remove(client)) {
            perAddress.release(client.address());
            AuthenticatedUser user = client.user();
            if (user != null) {
                perUser.release(user.id());
                authenticated.decrementAndGet();
            }
        }
    }

    /** Takes one of the user's connection slots; false when the user has all of them. */
    boolean claimUserSlot(String userId) {
        return perUser.tryAcquire(userId);
    }

    /** The client got its slot and authenticated (call once, after {@link #claimUserSlot}). */
    void authenticated() {
        authenticated.incrementAndGet();
    }

    /** Gives back a slot claimed for a client that closed before it could use it. */
    void releaseUserSlot(String userId) {
        perUser.release(userId);
    }

    /** Every open client, for pings, checks and shutdown. */
    public Set<ClientConnection> connections() {
        return open;
    }

    public int count() {
        return open.size();
    }

    /** Open clients that have authenticated. */
    public int authenticatedCount() {
        return authenticated.get();
    }

    /**
     * Pings one slot of the clients, the next each call: called {@value #PING_SLOTS} times per ping
     * interval, it pings every client once per interval, a slice at a time. Browsers and other clients
     * answer with a pong; a client that has sent nothing at all, pongs included, for {@code deadAfter} is
     * a vanished peer and is dropped.
     *
     * <p>All clients at once was a stall: every ping interval, thousands of pings went out in one burst
     * and thousands of pongs came back, and the frames queued behind them arrived hundreds of
     * milliseconds late (docs/performance.md).
     */
    public void pingNextSlot(Duration deadAfter) {
        int slot = nextPingSlot;
        nextPingSlot = (slot + 1) % PING_SLOTS;
        long now = System.nanoTime();
        for (ClientConnection c : open) {
            if (Math.floorMod(System.identityHashCode(c), PING_SLOTS) != slot) {
                continue;
            }
            if (now - c.lastHeardNanos() > deadAfter.toNanos()) {
                log.debug("{} stopped answering pings; dropping it", c);
                c.disconnect();
            } else {
                c.ping();
            }
        }
    }

    /**
     * Closes clients that have not authenticated within the deadline and ends close handshakes that did
     * not finish in time.
     */
    public void enforceDeadlines() {
        long now = System.nanoTime();
        long deadline = authTimeout.toNanos();
        for (ClientConnection c : open) {
            if (c.user() == null && !c.isClosed() && now - c.connectedAtNanos() >= deadline) {
                c.close(CloseCode.AUTH_TIMEOUT);
            }
            c.expireClose(now);
        }
    }

    public void closeAll(CloseCode code) {
        for (ClientConnection c : open) {
            c.close(code);
        }
    }

    /** Refuses new clients from now on (rolling restart); open ones are closed by the caller. */
    public void startDraining() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }
}
