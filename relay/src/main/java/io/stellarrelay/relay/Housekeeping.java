package io.stellarrelay.relay;

import io.stellarrelay.lifecycle.Fatal;
import io.stellarrelay.relay.auth.CachingPanel;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.ws.Authentication;
import io.stellarrelay.relay.ws.Clients;
import io.stellarrelay.relay.ws.Revalidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The relay's periodic work on its own two threads: keepalive pings and deadlines on one, the re-check
 * of live sessions (which waits for the database) on the other, so that a slow database never delays
 * a ping.
 */
final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    private final RelayConfig config;
    private final Clients clients;
    private final Authentication authentication;
    private final Revalidator revalidator;
    private final CachingPanel panel;
    private final Hub hub;
    private final ScheduledExecutorService keepalive = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("relay-keepalive").daemon().factory());
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("relay-revalidation").daemon().factory());

    Housekeeping(RelayConfig config, Clients clients, Authentication authentication, Revalidator revalidator,
            CachingPanel panel, Hub hub) {
        this.config = config;
        this.clients = clients;
        this.authentication = authentication;
        this.revalidator = revalidator;
        this.panel = panel;
        this.hub = hub;
    }

    void start() {
        long pingTick = Math.max(1, config.pingInterval().toMillis() / Clients.PING_SLOTS);
        keepalive.scheduleWithFixedDelay(this::pingSlot, pingTick, pingTick, TimeUnit.MILLISECONDS);
        long deadlineCheck = checkPeriodMillis(config.limits().authTimeout());
        keepalive.scheduleWithFixedDelay(this::enforceDeadlines, deadlineCheck, deadlineCheck, TimeUnit.MILLISECONDS);
        if (!hub.linger().isZero()) {
            long lingerCheck = checkPeriodMillis(hub.linger());
            keepalive.scheduleWithFixedDelay(() -> guarded("Expiry of unwatched servers", hub::expireLingering),
                    lingerCheck, lingerCheck, TimeUnit.MILLISECONDS);
        }
        long revalidate = config.security().revalidateInterval().toMillis();
        checks.scheduleWithFixedDelay(() -> guarded("Re-check of live sessions", () -> {
            revalidator.run();
            panel.prune();
        }), revalidate, revalidate, TimeUnit.MILLISECONDS);
    }

    private void pingSlot() {
        // Two missed pongs and a half: a peer that answers none of them is gone.
        guarded("Keepalive round", () -> clients.pingNextSlot(config.pingInterval().multipliedBy(5).dividedBy(2)));
    }

    private void enforceDeadlines() {
        guarded("Deadline check", () -> {
            clients.enforceDeadlines();
            authentication.prune(System.nanoTime());
        });
    }

    /** Runs a periodic task's body so that nothing it throws cancels the schedule. */
    private static void guarded(String what, Runnable body) {
        try {
            body.run();
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            log.warn("{} failed", what, e);
        }
    }

    @Override
    public void close() {
        keepalive.shutdownNow();
        checks.shutdownNow();
    }

    /**
     * How often to look for something that is due after {@code limit}: a quarter of it, kept between 50 ms
     * and 1 s, so what is due is handled about a quarter of its time late and never a second more.
     */
    private static long checkPeriodMillis(Duration limit) {
        return Math.max(50, Math.min(1000, limit.toMillis() / 4));
    }
}
