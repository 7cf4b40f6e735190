package io.stellarrelay.poller;

import io.stellarrelay.db.Databases;
import io.stellarrelay.metrics.ServiceMetrics;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every interval: read which servers any live relay watches, load them all with one SQL statement,
 * encode each {@code server:sync} frame once and publish it to the server's channel.
 *
 * <p>Any number of pollers may run; only the one holding the lease in Redis ticks (see
 * {@link PollerLease}). Ticks start at the boundaries of poll periods counted on Redis's clock, so the
 * period stays at the interval however long a tick takes, a tick that overruns delays the next instead
 * of piling up, and no period is ever run twice.
 *
 * <p>Between ticks it syncs servers at once that a relay asks for (a first subscriber and no recent
 * sync, see {@link SyncRequestReader}) and, with {@code POLLER_LISTEN}, servers the panel database
 * reports changed (see {@link ChangeSyncs}).
 */
public final class Poller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private final PollerConfig config;
    private final DataSource dataSource;
    private final RedisCommands redis;
    private final RedisNames names;
    private final WatchedServers watched;
    private final SyncPublisher publisher;
    private final ScheduledExecutorService scheduler;
    private final PollerLease lease;
    private final ChangeSyncs changeSyncs;
    private final SyncRequestReader syncRequests;
    private final String pollerId;
    private final java.util.concurrent.atomic.AtomicLong ticksRun = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean running;
    private volatile boolean active;
    private volatile TickReport lastReport;
    private PollerHealth health;
    private boolean failing;
    private final ServiceMetrics metrics = new ServiceMetrics();
    private final PollerMetrics pollerMetrics = new PollerMetrics(metrics.registry(), this::isActive);

    private Poller(PollerConfig config, DataSource dataSource) {
        this.config = config;
        this.dataSource = dataSource;
        this.redis = RedisConnector.of(config.shared(), "stellar-poller").newCommands(4);
        this.names = new RedisNames(config.shared().redisPrefix());
        this.watched = new WatchedServers(redis.client(), names);
        this.publisher = new SyncPublisher(dataSource, redis, names, config.shared().pollInterval(), pollerMetrics);
        this.pollerId = config.pollerId();
        this.lease = new PollerLease(redis.client(), names, pollerId, config.shared().pollInterval().toMillis());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("poller-tick").factory());
        // On close, the tick waiting for its turn is dropped instead of run (and published) once more.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        // Its own connection, never the ticks' data source: LISTEN needs one that stays open.
        this.changeSyncs = new ChangeSyncs(Databases.unpooled(config.shared().database()), config.listenChannel(),
                config.listenCoalesce(), executor, watched, publisher, () -> active, this::mayPublish);
        this.syncRequests = new SyncRequestReader(redis.client(), names, () -> active && running,
                changeSyncs::requested);
    }

    /**
     * With a fresh database connection per tick: one tick every few seconds needs no pool, and a new
     * connection is tried at once after an outage (a pool would retry on its own backoff, up to 5 s).
     */
    public static Poller create(PollerConfig config) {
        return new Poller(config, Databases.unpooled(config.shared().database()));
    }

    /** With a caller-owned data source (tests count statements through one). */
    public static Poller create(PollerConfig config, DataSource dataSource) {
        return new Poller(config, dataSource);
    }

    public Poller start() {
        running = true;
        health = new PollerHealth(config.healthHost(), config.healthPort(), this::readiness, metrics::scrape);
        // Runs on the tick thread before the first claim, so a slow catalog query never delays start().
        scheduler.execute(() -> PanelIndexes.warnIfMissing(dataSource, log::warn));
        scheduler.schedule(this::scheduledClaim, 0, TimeUnit.MILLISECONDS);
        changeSyncs.start();
        syncRequests.start();
        log.info("Poller {} started: every {} ms, Redis prefix '{}'", pollerId,
                config.shared().pollInterval().toMillis(), names.prefix());
        return this;
    }

    /**
     * Claims the lease and the next period a quarter interval apart (or right when the next period
     * starts). Only the lease holder runs ticks; standbys keep claiming and take over when it lapses.
     */
    private void scheduledClaim() {
        long interval = config.shared().pollInterval().toMillis();
        long next = Math.max(1, interval / 4);
        try {
            boolean worked = switch (lease.claim()) {
                case PollerLease.Claim.Standby standby -> {
                    becomeActive(false);
                    yield true;
                }
                case PollerLease.Claim.Run run -> {
                    becomeActive(true);
                    lastReport = runTick(this::mayPublish);
                    ticksRun.incrementAndGet();
                    yield true;
                }
                case PollerLease.Claim.Wait wait -> {
                    becomeActive(true);
                    next = Math.max(1, Math.min(next, wait.waitMillis() + 1));
                    yield false; // no tick ran: says nothing about whether the database is back
                }
            };
            if (failing && worked) {
                log.info("Poller recovered");
                failing = false;
            }
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw (VirtualMachineError) e;
            }
            // Log an outage once, not once per tick; keep trying. A tick cut short by shutting down is
            // no outage.
            if (running && !failing) {
                log.warn("Poller tick failed, retrying until it works: {}", e.toString());
                failing = true;
            }
        } finally {
            if (running) {
                scheduler.schedule(this::scheduledClaim, next, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void becomeActive(boolean nowActive) {
        if (active != nowActive) {
            active = nowActive;
            log.info(nowActive ? "Poller {} is now the active poller" : "Poller {} is on standby", pollerId);
        }
    }

    /** Ready when Redis and PostgreSQL answer; a standby is ready too, {@code active} tells them apart. */
    private PollerHealth.Status readiness() {
        boolean redisUp = probe(() -> "PONG".equals(redis.client().ping()));
        boolean databaseUp = probe(() -> {
            try (Connection c = dataSource.getConnection()) {
                return c.isValid(1);
            }
        });
        boolean ready = redisUp && databaseUp;
        return new PollerHealth.Status(ready, "{\"status\":\"" + (ready ? "ready" : "not ready") + "\",\"redis\":\""
                + (redisUp ? "up" : "down") + "\",\"database\":\"" + (databaseUp ? "up" : "down")
                + "\",\"active\":" + active + "}");
    }

    private static boolean probe(java.util.concurrent.Callable<Boolean> check) {
        try {
            return check.call();
        } catch (Exception e) {
            return false;
        }
    }

    /** The port of the health endpoints. */
    public int healthPort() {
        return health.port();
    }

    /** True while this poller holds the lease and runs the ticks. */
    public boolean isActive() {
        return active;
    }

    /** Ticks this poller has run as the active one. */
    public long ticksRun() {
        return ticksRun.get();
    }

    public String pollerId() {
        return pollerId;
    }

    /** Runs one tick now, on the caller's thread, whether or not this poller holds the lease. */
    public TickReport tick() throws Exception {
        return runTick(() -> true);
    }

    private TickReport runTick(java.util.function.BooleanSupplier mayPublish) throws Exception {
        try {
            return measuredTick(mayPublish);
        } catch (Exception e) {
            pollerMetrics.failed();
            throw e;
        }
    }

    private TickReport measuredTick(java.util.function.BooleanSupplier mayPublish) throws Exception {
        long t0 = System.nanoTime();
        Set<String> serverIds = new HashSet<>(watched.read());
        // Requests still waiting are answered by this tick rather than by a second sync right after it;
        // they join the watched set, since a relay asks before its watch set names the server.
        serverIds.addAll(syncRequests.takeWaiting());
        serverIds.addAll(changeSyncs.takeRequests());
        Duration registryRead = Duration.ofNanos(System.nanoTime() - t0);
        if (serverIds.isEmpty()) {
            TickReport idle = TickReport.idle(registryRead);
            pollerMetrics.ticked(PollerMetrics.Outcome.IDLE, idle);
            return idle;
        }
        boolean[] leaseLost = {false};
        TickReport report = publisher.sync(serverIds, registryRead, () -> {
            leaseLost[0] = !mayPublish.getAsBoolean();
            return !leaseLost[0];
        }, true);
        pollerMetrics.ticked(leaseLost[0] ? PollerMetrics.Outcome.LEASE_LOST : PollerMetrics.Outcome.PUBLISHED, report);
        log.debug("Tick: {}", report);
        return report;
    }

    /** Asked after every query: a poller that lost its lease meanwhile leaves publishing to the new holder. */
    private boolean mayPublish() {
        if (lease.held()) {
            return true;
        }
        log.warn("Poller {} lost its lease while syncing; not publishing", pollerId);
        active = false;
        return false;
    }

    /** True while LISTEN for changed servers is in place ({@code POLLER_LISTEN}). */
    public boolean listening() {
        return changeSyncs.listening();
    }

    /** Server ids from change notifications taken up so far (synced, or dropped on a standby). */
    public long notificationsTaken() {
        return changeSyncs.notificationsTaken();
    }

    /** The report of the last scheduled tick that succeeded, or null. */
    public TickReport lastReport() {
        return lastReport;
    }

    @Override
    public void close() {
        running = false;
        syncRequests.close();
        changeSyncs.close();
        scheduler.shutdown();
        boolean tickEnded;
        try {
            tickEnded = scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tickEnded = false;
        }
        if (!tickEnded) {
            scheduler.shutdownNow();
        } else {
            // A standby takes over at its next claim instead of when the lease lapses; never while a tick
            // of ours may still publish.
            try {
                lease.release();
            } catch (RuntimeException e) {
                log.warn("Could not release the poller lease (it lapses by itself): {}", e.toString());
            }
        }
        if (health != null) {
            health.close();
        }
        publisher.close();
        metrics.close();
        redis.close();
        log.info("Poller stopped");
    }
}
