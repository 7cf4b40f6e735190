package io.stellarrelay.poller;

import com.zaxxer.hikari.HikariDataSource;
import io.stellarrelay.db.Databases;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every interval: read which servers any live relay watches, load them all with one SQL statement,
 * encode each {@code server:sync} frame once and publish it to the server's channel.
 *
 * <p>Ticks are spaced from their start, so the period stays at the interval however long a tick takes,
 * and a tick that overruns delays the next instead of piling up behind it.
 */
public final class Poller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Poller.class);

    private final PollerConfig config;
    private final DataSource dataSource;
    private final AutoCloseable ownedDataSource;
    private final RedisClient redis;
    private final RedisNames names;
    private final WatchedServers watched;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final ScheduledExecutorService scheduler;
    private volatile boolean running;
    private volatile TickReport lastReport;
    private boolean failing;

    private Poller(PollerConfig config, DataSource dataSource, AutoCloseable ownedDataSource) {
        this.config = config;
        this.dataSource = dataSource;
        this.ownedDataSource = ownedDataSource;
        this.redis = new RedisConnector(config.shared().redis(), "stellar-poller").newClient(4);
        this.names = new RedisNames(config.shared().redisPrefix());
        this.watched = new WatchedServers(redis, names);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("poller-tick").factory());
        // On close, the tick waiting for its turn is dropped instead of run (and published) once more.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
    }

    public static Poller create(PollerConfig config) {
        HikariDataSource pool = Databases.pool(config.shared().database(), "poller-db", config.databasePoolSize());
        return new Poller(config, pool, pool);
    }

    /** With a caller-owned data source (tests count statements through one). */
    public static Poller create(PollerConfig config, DataSource dataSource) {
        return new Poller(config, dataSource, null);
    }

    public Poller start() {
        running = true;
        scheduler.schedule(this::scheduledTick, 0, TimeUnit.MILLISECONDS);
        log.info("Poller started: every {} ms, Redis prefix '{}'", config.shared().pollInterval().toMillis(),
                names.prefix());
        return this;
    }

    private void scheduledTick() {
        long started = System.nanoTime();
        try {
            lastReport = tick();
            if (failing) {
                log.info("Poller recovered");
                failing = false;
            }
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw (VirtualMachineError) e;
            }
            // Log an outage once, not once per tick; keep trying every interval. A tick cut short by
            // shutting down is no outage.
            if (running && !failing) {
                log.warn("Poller tick failed, retrying every interval until it works: {}", e.toString());
                failing = true;
            }
        } finally {
            if (running) {
                long elapsed = System.nanoTime() - started;
                long delay = Math.max(0, config.shared().pollInterval().toNanos() - elapsed);
                scheduler.schedule(this::scheduledTick, delay, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Runs one tick now, on the caller's thread. */
    public TickReport tick() throws Exception {
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
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (int i = 0; i < channels.length; i++) {
                pipeline.publish(channels[i], payloads[i]);
            }
            pipeline.sync();
        }
        long t4 = System.nanoTime();
        TickReport report = new TickReport(serverIds.size(), states.size(), 1, Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2), Duration.ofNanos(t4 - t3));
        log.debug("Tick: {}", report);
        return report;
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
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
