package io.stellarrelay.relay;

import io.javalin.http.Context;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.relay.ws.ClientConnection;
import io.stellarrelay.relay.ws.Clients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Whether this relay takes clients: what {@code /health/ready} answers, and the drain that hands the
 * clients over to other relays. {@link Clients} holds the one draining flag (it refuses the sockets
 * that arrive during a drain); this class is the only one that raises it.
 */
final class Availability {
    private static final Logger log = LoggerFactory.getLogger(Availability.class);

    /** The relay's dependencies, each asked on every readiness request; a probe that throws is down. */
    record Probes(Callable<Boolean> redis, Callable<Boolean> pubsub, Callable<Boolean> database) {}

    private final String relayId;
    private final RelayConfig.Drain settings;
    private final Clients clients;
    private final Probes probes;
    private final Runnable withdrawWatchSet;

    Availability(String relayId, RelayConfig.Drain settings, Clients clients, Probes probes, Runnable withdrawWatchSet) {
        this.relayId = relayId;
        this.settings = settings;
        this.clients = clients;
        this.probes = probes;
        this.withdrawWatchSet = withdrawWatchSet;
    }

    /** Ready when not draining and Redis (commands and pub/sub) and PostgreSQL answer. */
    void ready(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        boolean redisUp = check(probes.redis());
        boolean pubsubUp = check(probes.pubsub());
        boolean databaseUp = check(probes.database());
        String status = clients.isDraining() ? "draining" : redisUp && pubsubUp && databaseUp ? "ready" : "not ready";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("redis", redisUp ? "up" : "down");
        body.put("pubsub", pubsubUp ? "up" : "down");
        body.put("database", databaseUp ? "up" : "down");
        body.put("connections", clients.count());
        ctx.status(status.equals("ready") ? 200 : 503).json(body);
    }

    private static boolean check(Callable<Boolean> probe) {
        try {
            return probe.call();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Leaves gracefully (SIGTERM, rolling restart): reports not ready, refuses new sockets, closes the
     * open ones in batches with 1012 so that they reconnect (the load balancer sends them to another
     * relay), withdraws the watch set, and returns when all are gone or the shutdown timeout is near.
     */
    void drain() {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        clients.startDraining();
        int count = clients.count();
        log.info("Relay {} draining: closing {} sockets, {} at a time", relayId, count, settings.batchSize());
        List<ClientConnection> open = new ArrayList<>(clients.connections());
        for (int from = 0; from < open.size(); from += settings.batchSize()) {
            for (var c : open.subList(from, Math.min(open.size(), from + settings.batchSize()))) {
                c.close(CloseCode.SERVICE_RESTART);
            }
            if (System.nanoTime() + settings.batchInterval().toNanos() < deadline) {
                pause(settings.batchInterval().toMillis());
            }
        }
        // Leave time for the close handshakes, but keep a quarter of the budget for the rest of shutdown.
        long handshakeDeadline = deadline - settings.timeout().toNanos() / 4;
        while (clients.count() > 0 && System.nanoTime() < handshakeDeadline) {
            pause(20);
        }
        withdrawWatchSet.run();
    }

    /** Pacing between drain batches and while close handshakes finish; not a synchronisation. */
    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
