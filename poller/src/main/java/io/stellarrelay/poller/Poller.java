package io.stellarrelay.poller;

import io.stellarrelay.db.Databases;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.params.SetParams;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class Poller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private final PollerConfig config;
    private final DataSource dataSource;
    private final AutoCloseable ownedDataSource;
    private final RedisCommands redis;
    private final RedisNames names;
    private final WatchedServers watched;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final ScheduledExecutorService scheduler;
    private final PollerLease lease;
    private final SetParams lastSyncTtl;
    private final String pollerId;
    private final java.util.concurrent.atomic.AtomicLong ticksRun = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean running;
    private volatile boolean active;
    private volatile TickReport lastReport;
    private PollerHealth health;
    private boolean failing;

    private Poller(PollerConfig config, DataSource dataSource, AutoCloseable ownedDataSource) {
        this.config = config;
        this.dataSource = dataSource;
        this.ownedDataSource = ownedDataSource;
        this.redis = RedisConnector.of(config.shared(), "stellar-poller").newCommands(4);
        this.names = new RedisNames(config.shared().redisPrefix());
        this.watched = new WatchedServers(redis.client(), names);
        this.lastSyncTtl = SetParams.setParams().px(config.shared().pollInterval().toMillis() * 2);
        this.pollerId = config.pollerId();
        this.lease = new PollerLease(redis.client(), names, pollerId, config.shared().pollInterval().toMillis());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("poller-tick").factory());
        // On close, the tick waiting for its turn is dropped instead of run (and published) once more.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
    }

    /**
     * With a fresh database connection per tick: one tick every few seconds needs no pool, and a new
     * connection is tried at once after an outage (a pool would retry on its own backoff, up to 5 s).
     */
    public static Poller create(PollerConfig config) {
        return new Poller(config, Databases.unpooled(config.shared().database()), null);
    }

    /** With a caller-owned data source (tests count statements through one). */
    public static Poller create(PollerConfig config, DataSource dataSource) {
        return new Poller(config, dataSource, null);
    }

    public Poller start() {
        running = true;
        health = new PollerHealth(config.healthHost(), config.healthPort(), this::readiness);
        // Runs on the tick thread before the first claim, so a slow catalog query never delays start().
        scheduler.execute(() -> PanelIndexes.warnIfMissing(dataSource, log::warn));
        scheduler.schedule(this::scheduledClaim, 0, TimeUnit.MILLISECONDS);
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
                    lastReport = runTick(lease::held);
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
        long t0 = System.nanoTime();
        Set<String> serverIds = watched.read();
        long t1 = System.nanoTime();
        if (serverIds.isEmpty()) {
            return TickReport.idle(Duration.ofNanos(t1 - t0));
        }
        List<ServerState> states;
        try (Connection connection = dataSource.getConnection()) {
            states = ServerStateQuery.load(connection, serverIds);
        }
        long t2 = System.nanoTime();
        byte[][] channels = new byte[states.size()][];
        byte[][] payloads = new byte[states.size()][];
        for (int i = 0; i < states.size(); i++) {
            ServerState state = states.get(i);
            channels[i] = names.serverChannelBytes(state.id());
            payloads[i] = codec.encodeToBytes(new ServerMessage.ServerSync(state.id(), state));
        }
        long t3 = System.nanoTime();
        if (!mayPublish.getAsBoolean()) {
            // The lease went to another poller while this one was querying: it publishes this period.
            log.warn("Poller {} lost its lease during a tick; not publishing", pollerId);
            active = false;
            return new TickReport(serverIds.size(), 0, 1, Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1),
                    Duration.ofNanos(t3 - t2), Duration.ZERO);
        }
        publishAll(states, channels, payloads);
        long t4 = System.nanoTime();
        TickReport report = new TickReport(serverIds.size(), states.size(), 1, Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3));
        log.debug("Tick: {}", report);
        return report;
    }

    /**
     * Publishes every frame and stores it as the server's latest, in one pipeline. On a cluster the
     * pipeline sends each command to the node the cached slot map names; a slot that has moved since
     * answers MOVED (or ASK while it moves). Those commands, and only those, so that no client gets a
     * frame twice, are sent again after the slot map is refreshed, through the cluster client, which
     * follows redirections itself.
     */
    private void publishAll(List<ServerState> states, byte[][] channels, byte[][] payloads) {
        List<Response<Long>> published = new ArrayList<>(channels.length);
        List<Response<String>> stored = new ArrayList<>(channels.length);
        try (AbstractPipeline pipeline = redis.client().pipelined()) {
            for (int i = 0; i < channels.length; i++) {
                published.add(redis.publish(pipeline, channels[i], payloads[i]));
                // Kept for two intervals: a client subscribing in between gets this state at once.
                stored.add(pipeline.set(names.lastSyncKey(states.get(i).id()), payloads[i], lastSyncTtl));
            }
            pipeline.sync();
        }
        boolean refreshed = false;
        for (int i = 0; i < channels.length; i++) {
            boolean publishMoved = redirected(published.get(i));
            boolean storeMoved = redirected(stored.get(i));
            if ((publishMoved || storeMoved) && !refreshed) {
                redis.refreshSlots();
                refreshed = true;
            }
            if (publishMoved) {
                redis.publish(channels[i], payloads[i]);
            }
            if (storeMoved) {
                redis.client().set(names.lastSyncKey(states.get(i).id()), payloads[i], lastSyncTtl);
            }
        }
    }

    /** True when the command was redirected to another node; any other error fails the tick. */
    private static boolean redirected(Response<?> response) {
        try {
            response.get();
            return false;
        } catch (JedisRedirectionException e) {
            return true;
        }
    }

    /** The report of the last scheduled tick that succeeded, or null. */
    public TickReport lastReport() {
        return lastReport;
    }

    @Override
    public void close() {
        running = false;
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            lease.release(); // a standby takes over at its next claim instead of when the lease lapses
        } catch (Exception e) {
            log.warn("Could not release the poller lease (it lapses by itself): {}", e.toString());
        }
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (health != null) {
            health.close();
        }
        redis.close();
        if (ownedDataSource != null) {
            try {
                ownedDataSource.close();
            } catch (Exception e) {
                log.warn("Closing the database pool failed", e);
            }
        }
        log.info("Poller stopped");
    }
}
