package io.stellarrelay.demo;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.config.Secret;
import io.stellarrelay.config.SharedSettings;
import io.stellarrelay.embedded.EmbeddedServices;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.RelayApp;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.auth.SessionCookie;
import redis.clients.jedis.RedisClient;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Everything in one process: embedded PostgreSQL (panel schema and demo rows) and Redis, a poller, a
 * relay serving the demo page, and the simulated daemon (activity and live events; scheduled only when asked
 * for, but always there for the page's "crash now"). {@link #close} stops all of it in order and deletes every
 * file it wrote.
 */
public final class DemoStack implements AutoCloseable {

    /**
     * @param simulateEvery    how often the simulator changes a server, or null for no simulator
     * @param postgresBinaries where PostgreSQL's binaries stay unpacked between runs, or null for the workspace
     */
    public record Options(String host, int port, Duration pollInterval, Duration simulateEvery, Path postgresBinaries) {
        public Options(String host, int port, Duration pollInterval, Duration simulateEvery) {
            this(host, port, pollInterval, simulateEvery, null);
        }
    }

    private final List<AutoCloseable> stoppedFirst = new ArrayList<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private RelayApp relay;
    private LiveEventSimulator liveEvents;
    private ActivitySimulator activity;
    private DemoDatabase database;
    private EmbeddedServices services;

    DemoStack() {}

    public static DemoStack start(Options options) {
        DemoStack stack = new DemoStack();
        stack.startAll(options);
        return stack;
    }

    /**
     * Starts everything; on a failure stops what had started and rethrows. Holds the stack's lock, so a
     * {@link #close} from another thread (Ctrl-C while starting) waits for the start, then stops it all in order.
     */
    synchronized void startAll(Options options) {
        try {
            startEach(options);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startEach(Options options) {
        services = track(EmbeddedServices.start("stellar-demo-", options.postgresBinaries()));
        services.postgres().executeAsAdmin("CREATE DATABASE panel");
        String databaseUrl = services.postgres().url("panel");
        database = track(new DemoDatabase(databaseUrl));
        database.load();

        // A fresh secret per run: the demo mints its own cookies, so nobody needs to know it.
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        String secret = Base64.getEncoder().encodeToString(secretBytes);

        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", databaseUrl);
        env.put("REDIS_URL", services.redis().url());
        env.put("BETTER_AUTH_SECRET", secret);
        env.put("POLL_INTERVAL_MS", Long.toString(options.pollInterval().toMillis()));
        env.put("HOST", options.host());
        env.put("PORT", Integer.toString(options.port()));
        env.put("HEALTH_HOST", "127.0.0.1");
        env.put("HEALTH_PORT", "0"); // the poller's health port: any free one, the demo does not need it

        RedisClient redis = track(new RedisConnector(RedisSettings.parse(services.redis().url()), "stellar-demo")
                .newClient(2));
        // The simulators stop first, before anything they feed: no event is published into a stopping stack.
        liveEvents = stopFirst(new LiveEventSimulator(database.dataSource(), redis,
                new RedisNames(SharedSettings.DEFAULT_REDIS_PREFIX), new Random()));
        activity = stopFirst(new ActivitySimulator(database.dataSource(), new Random(), liveEvents::changed));
        // Started before the relay so that it stops after it, and both before the servers they use.
        track(Poller.create(PollerConfig.fromEnvironment(env)).start());
        DemoRoutes routes = new DemoRoutes(database.dataSource(), new SessionCookie(new Secret(secret)),
                activity::crash);
        relay = track(RelayApp.create(RelayConfig.fromEnvironment(env), routes::install).start());
        if (options.simulateEvery() != null) {
            activity.start(options.simulateEvery());
            liveEvents.start(Duration.ofMillis(700), Duration.ofSeconds(2));
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
        return resource;
    }

    private <T extends AutoCloseable> T stopFirst(T resource) {
        stoppedFirst.add(resource);
        return resource;
    }

    public int port() {
        return relay.port();
    }

    RelayApp relay() {
        return relay;
    }

    /** The embedded PostgreSQL and Redis, and the directory holding everything they write. */
    EmbeddedServices services() {
        return services;
    }

    /** Publishes daemon events into the stack's Redis (tests use it to feed a console). */
    LiveEventSimulator liveEvents() {
        return liveEvents;
    }

    /** Runs SQL against the demo database, as the panel would (tests use it to change a server). */
    public void execute(String sql) {
        database.execute(sql);
    }

    /** Stops the simulators, then the relay, the poller and the embedded servers: each in reverse order of start. */
    @Override
    public synchronized void close() {
        closeInReverse(stoppedFirst);
        closeInReverse(started);
    }

    private static void closeInReverse(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                System.err.println("stellar-demo: stopping " + resources.get(i).getClass().getSimpleName()
                        + " failed: " + e);
            }
        }
        resources.clear();
    }
}
