package io.stellarrelay.poller;

import io.stellarrelay.config.SharedSettings;
import io.stellarrelay.db.Databases;
import io.stellarrelay.lifecycle.Fatal;
import io.stellarrelay.lifecycle.Lifecycle;
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
 * Every interval: read which servers any live relay watches, read the rows of those that changed (see
 * {@link TickPlanner}) with one SQL statement, encode their {@code server:sync} frames once, and
 * publish to every watched server's channel its frame, kept from the last read for the unchanged.
 *
 * <p>Any number of pollers may run. The watched servers are split into {@code POLLER_REPLICAS} shares
 * by a stable hash of their id; only the poller holding a share's lease in Redis ticks for it (see
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
    private final HeldConnection reads;
    private final HeldConnection primaryReads;
    private final SyncFrames frames = new SyncFrames();
    private final TickPlanner planner;
    /** The shares this poller holds, as of its last claim. */
    private volatile Set<Integer> heldShares = Set.of();
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
    private Set<Integer> loggedShares = Set.of();
    /** Its parts, started in order and stopped in reverse (see the constructor). */
    private final Lifecycle lifecycle = new Lifecycle();
    private final ServiceMetrics metrics = lifecycle.resource("metrics", new ServiceMetrics());
    private final PollerMetrics pollerMetrics = new PollerMetrics(metrics.registry(), this::isActive);

    private Poller(PollerConfig config, DataSource dataSource, DataSource primary) {
        this.config = config;
        this.dataSource = dataSource;
        this.redis = lifecycle.resource("Redis client",
                RedisConnector.of(config.shared(), "stellar-poller").newCommands(4));
        // Syncs of notified servers read the primary: a replica may not have the change yet.
        HeldConnection held = new HeldConnection(dataSource);
        this.primaryReads = primary == dataSource ? held
                : lifecycle.resource("primary connection", new HeldConnection(primary));
        this.reads = lifecycle.resource("database connection", held);
        this.planner = new TickPlanner(frames, config.rereadTicks());
        this.names = new RedisNames(config.shared().redisPrefix());
        this.watched = new WatchedServers(redis, names);
        this.publisher = lifecycle.resource("publisher",
                new SyncPublisher(redis, names, config.shared().pollInterval(), frames, pollerMetrics));
        this.pollerId = config.pollerId();
        this.lease = new PollerLease(redis, names, pollerId, config.shared().pollInterval().toMillis(),
                config.replicas());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("poller-tick").factory());
        // On close, the tick waiting for its turn is dropped instead of run (and published) once more.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        // Its own connection, never the ticks' data source: LISTEN needs one that stays open.
        this.changeSyncs = new ChangeSyncs(Databases.unpooled(config.shared().database()), config.listenChannel(),
                config.listenCoalesce(), executor, watched, publisher, primaryReads, () -> active,
                () -> mayPublish(heldShares), this::owns);
        this.syncRequests = new SyncRequestReader(redis, names, () -> active && running,
                changeSyncs::requested);
        lifecycle.add("health endpoint", () -> health = new PollerHealth(config.healthHost(), config.healthPort(),
                this::readiness, metrics::scrape), () -> health.close());
        lifecycle.add("ticks", () -> {
            // Runs on the tick thread before the first claim, so a slow catalog query never delays start().
            scheduler.execute(() -> PanelIndexes.warnIfMissing(dataSource, log::warn));
            scheduler.schedule(this::scheduledClaim, 0, TimeUnit.MILLISECONDS);
        }, this::stopTicks);
        lifecycle.add("change notifications", changeSyncs::start, changeSyncs::close);
        lifecycle.add("sync requests", syncRequests::start, syncRequests::close);
    }

    /**
     * Without a pool: the ticks keep one connection (to {@code DATABASE_READ_URL} when set), and a new
     * one is tried at once after an outage (a pool would retry on its own backoff, up to 5 s).
     */
    public static Poller create(PollerConfig config) {
        SharedSettings shared = config.shared();
        DataSource primary = Databases.unpooled(shared.database());
        return new Poller(config, shared.readDatabase().equals(shared.database()) ? primary
                : Databases.unpooled(shared.readDatabase()), primary);
    }

    /** With a caller-owned data source for all reads (tests count statements through one). */
    public static Poller create(PollerConfig config, DataSource dataSource) {
        return new Poller(config, dataSource, dataSource);
    }

    public Poller start() {
        running = true;
        lifecycle.start();
        log.info("Poller {} started: every {} ms, Redis prefix '{}'", pollerId,
                config.shared().pollInterval().toMillis(), names.prefix());
        return this;
    }

    /**
     * Claims this poller's shares and the next period a quarter interval apart (or right when the next
     * period starts), and ticks for the shares whose period is due. A poller holding no share keeps
     * claiming and takes shares over when their leases lapse.
     */
    private void scheduledClaim() {
        long interval = config.shared().pollInterval().toMillis();
        long next = Math.max(1, interval / 4);
        try {
            PollerLease.Claim claim = lease.claim();
            heldShares = claim.held();
            becomeActive(claim.active());
            boolean worked = true;
            if (!claim.run().isEmpty()) {
                Set<Integer> shares = claim.run();
                lastReport = runTick(shares, () -> mayPublish(shares));
                // Which period and shares each tick served, for whoever checks that none ran twice.
                log.debug("Tick of period {} for shares {}: {}", claim.period(), shares, lastReport);
                ticksRun.incrementAndGet();
            } else if (claim.active()) {
                next = Math.max(1, Math.min(next, claim.waitMillis() + 1));
                worked = false; // no tick ran: says nothing about whether the database is back
            }
            if (failing && worked) {
                log.info("Poller recovered");
                failing = false;
            }
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
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
            log.info(nowActive ? "Poller {} is now active" : "Poller {} is on standby", pollerId);
        }
        if (nowActive && config.replicas() > 1 && !heldShares.equals(loggedShares)) {
            loggedShares = heldShares;
            log.info("Poller {} holds shares {} of {}", pollerId, heldShares, config.replicas());
        }
    }

    /** Ready when Redis and PostgreSQL answer; a standby is ready too, {@code active} tells them apart. */
    private PollerHealth.Status readiness() {
        boolean redisUp = probe(() -> redis.ping());
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

    /** The shares this poller holds (0 to {@code POLLER_REPLICAS - 1}), as of its last claim. */
    public Set<Integer> heldShares() {
        return heldShares;
    }

    /** True while this poller holds the lease of at least one share and runs its ticks. */
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

    /**
     * Runs one tick now for every share, on the caller's thread, whether or not this poller holds
     * the leases. Not while the poller is started: ticks run on one thread only.
     */
    public TickReport tick() throws Exception {
        return runTick(null, () -> true);
    }

    /** As {@link #tick()}, for the servers of {@code shares} only. */
    public TickReport tick(Set<Integer> shares) throws Exception {
        return runTick(shares, () -> true);
    }

    private TickReport runTick(Set<Integer> shares, java.util.function.BooleanSupplier mayPublish) throws Exception {
        try {
            return measuredTick(shares, mayPublish);
        } catch (Exception e) {
            pollerMetrics.failed();
            throw e;
        }
    }

    /** Whether the server is in one of the shares this poller holds. */
    private boolean owns(String serverId) {
        return heldShares.contains(Shares.of(serverId, config.replicas()));
    }

    private TickReport measuredTick(Set<Integer> shares, java.util.function.BooleanSupplier mayPublish)
            throws Exception {
        long t0 = System.nanoTime();
        java.util.function.Predicate<String> inShares =
                id -> shares == null || shares.contains(Shares.of(id, config.replicas()));
        Set<String> serverIds = new HashSet<>();
        for (String id : watched.read()) {
            if (inShares.test(id)) {
                serverIds.add(id);
            }
        }
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
        // Requested servers of other shares are synced too, but their kept frames stay the other ticks' concern.
        SyncPublisher.Plan plan = planner.plan(reads, serverIds, inShares);
        TickReport report = publisher.sync(reads, plan, registryRead, () -> {
            leaseLost[0] = !mayPublish.getAsBoolean();
            return !leaseLost[0];
        }, true);
        if (!leaseLost[0]) {
            planner.published();
        }
        pollerMetrics.ticked(leaseLost[0] ? PollerMetrics.Outcome.LEASE_LOST : PollerMetrics.Outcome.PUBLISHED, report);
        return report;
    }

    /**
     * Asked before publishing: a poller that lost the lease of one of the sync's shares meanwhile leaves
     * publishing to the new holder.
     */
    private boolean mayPublish(Set<Integer> shares) {
        if (lease.holds(shares)) {
            return true;
        }
        log.warn("Poller {} lost a lease of shares {} while syncing; not publishing", pollerId, shares);
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
        lifecycle.close();
        log.info("Poller stopped");
    }

    /**
     * Lets a running tick finish (up to 10 s), then releases the lease: a standby takes over at its next
     * claim instead of when the lease lapses; never while a tick of ours may still publish.
     */
    private void stopTicks() {
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
            return;
        }
        try {
            lease.release();
        } catch (RuntimeException e) {
            log.warn("Could not release the poller lease (it lapses by itself): {}", e.toString());
        }
    }
}
