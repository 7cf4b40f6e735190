package io.stellarrelay.relay.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stellarrelay.protocol.CloseCode;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The relay's own meters (all named {@code stellar_relay_*}; docs/metrics.md lists them).
 *
 * <p>Built for the fan-out: nothing here is created per server or per socket, so the number of series
 * stays fixed however many clients connect. Tags come from closed sets (the {@link CloseCode} enum,
 * {@link AuthFailure}), with every counter created up front and looked up by index, never by building
 * tags on an event. Counters are striped adders, cheap when many threads count at once, and the state
 * the relay already keeps (open sockets, the hub) is read only when Prometheus scrapes.
 */
public final class RelayMetrics {

    /** Why an authentication attempt was refused; the {@code reason} tag of the failure counter. */
    public enum AuthFailure {
        /** An {@code auth} message whose token names no valid session (unknown, expired, user banned). */
        INVALID_SESSION,
        /** A correctly signed cookie whose session is no longer valid (the client falls back to a token). */
        INVALID_COOKIE_SESSION,
        /** The client address is over {@code MAX_AUTH_FAILURES_PER_ADDRESS}; refused without a lookup. */
        ADDRESS_BLOCKED,
        /** The user is at {@code MAX_CONNECTIONS_PER_USER}. */
        USER_CONNECTION_LIMIT,
        /** The database could not answer. */
        UNAVAILABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the state of a server was mended after a pub/sub gap; the {@code kind} tag of the counter. */
    public enum GapRepair {
        /** The poller's stored {@code last-sync} copy was delivered. */
        STORED_SYNC("stored_sync"),
        /** No stored copy: the poller was asked for a sync. */
        SYNC_REQUEST("sync_request"),
        /** A console reader was sent a frame marked {@code gap}. */
        CONSOLE("console");

        private final String tag;

        GapRepair(String tag) {
            this.tag = tag;
        }

        String tag() {
            return tag;
        }
    }

    /** The relay's state that gauges read at scrape time. */
    public interface Readings {
        int connections();

        int authenticatedConnections();

        long subscriptions();

        int watchedServers();

        int queuedDeliveries();
    }

    /** The {@code code} tag of closes whose status is not one of {@link CloseCode}'s (1006, client-chosen codes). */
    static final String OTHER_CODE = "other";
    private static final CloseCode[] CLOSE_CODES = CloseCode.values();

    private final MeterRegistry registry;
    private final Counter[] closes; // by CloseCode ordinal, then one for every other status
    private final Counter[] authFailures; // by AuthFailure ordinal
    private final Counter deliveries;
    private final Counter dropped;
    private final Counter reconnects;
    private final Counter gaps;
    private final Counter[] gapRepairs; // by GapRepair ordinal
    private final Timer pubsubLag;

    /** Registers the counters; {@link #observe} adds the gauges once the relay's parts exist. */
    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        closes = new Counter[CLOSE_CODES.length + 1];
        for (CloseCode code : CLOSE_CODES) {
            closes[code.ordinal()] = closeCounter(Integer.toString(code.code()));
        }
        closes[CLOSE_CODES.length] = closeCounter(OTHER_CODE);

        AuthFailure[] reasons = AuthFailure.values();
        authFailures = new Counter[reasons.length];
        for (AuthFailure reason : reasons) {
            authFailures[reason.ordinal()] = Counter.builder("stellar.relay.auth.failures")
                    .description("Refused authentication attempts, by reason")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
        deliveries = Counter.builder("stellar.relay.deliveries")
                .description("Frames from Redis handed to subscribed sockets (one per socket per frame)")
                .register(registry);
        dropped = Counter.builder("stellar.relay.deliveries.dropped")
                .description("Frames not sent because the socket's WS_MAX_BUFFERED_BYTES budget was full")
                .register(registry);
        reconnects = Counter.builder("stellar.relay.pubsub.reconnects")
                .description("Times the Redis pub/sub connection was established again after being lost")
                .register(registry);
        gaps = Counter.builder("stellar.relay.pubsub.gaps")
                .description("Times frames may have been lost because a pub/sub connection was down; each is repaired")
                .register(registry);
        GapRepair[] kinds = GapRepair.values();
        gapRepairs = new Counter[kinds.length];
        for (GapRepair kind : kinds) {
            gapRepairs[kind.ordinal()] = Counter.builder("stellar.relay.gap.repairs")
                    .description("Servers and consoles mended after a pub/sub gap, by how")
                    .tag("kind", kind.tag())
                    .register(registry);
        }
        pubsubLag = Timer.builder("stellar.relay.pubsub.lag")
                .description("Round trip of the relay's probe through Redis pub/sub: publish to receipt")
                .register(registry);
    }

    /** Registers the gauges, which read {@code readings} whenever Prometheus scrapes. */
    public void observe(Readings readings) {
        gauge("stellar.relay.connections", "Open WebSocket connections", readings, Readings::connections);
        gauge("stellar.relay.connections.authenticated", "Open connections with an authenticated user",
                readings, Readings::authenticatedConnections);
        gauge("stellar.relay.subscriptions", "Subscriptions of all open connections together",
                readings, Readings::subscriptions);
        gauge("stellar.relay.watched.servers", "Servers at least one local connection watches",
                readings, Readings::watchedServers);
        gauge("stellar.relay.delivery.queue.depth", "Frames waiting in the delivery lanes for their writer thread",
                readings, Readings::queuedDeliveries);
    }

    private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> reading) {
        Gauge.builder(name, source, reading).description(description).strongReference(true).register(registry);
    }

    private Counter closeCounter(String code) {
        return Counter.builder("stellar.relay.closes")
                .description("Closed WebSocket connections, by close status")
                .tag("code", code)
                .register(registry);
    }

    /** A socket ended with {@code statusCode} (sent by either side, or 1006 when no close frame came). */
    public void closed(int statusCode) {
        closes[CloseCode.find(statusCode).map(CloseCode::ordinal).orElse(closes.length - 1)].increment();
    }

    public void authFailed(AuthFailure reason) {
        authFailures[reason.ordinal()].increment();
    }

    /** {@code sockets} sockets were handed one frame from Redis. */
    public void delivered(int sockets) {
        if (sockets > 0) {
            deliveries.increment(sockets);
        }
    }

    /** A frame was not sent to a socket over its buffer budget. */
    public void dropped() {
        dropped.increment();
    }

    public void pubsubReconnected() {
        reconnects.increment();
    }

    /** Pub/sub connections are back after a loss: whatever was published meanwhile is being repaired. */
    public void pubsubGap() {
        gaps.increment();
    }

    /** {@code count} servers or consoles were mended after a gap, this way. */
    public void gapRepaired(GapRepair kind, int count) {
        if (count > 0) {
            gapRepairs[kind.ordinal()].increment(count);
        }
    }

    /** A probe published {@code nanos} ago arrived back through the pub/sub connection. */
    public void pubsubRoundTrip(long nanos) {
        pubsubLag.record(nanos, TimeUnit.NANOSECONDS);
    }
}
