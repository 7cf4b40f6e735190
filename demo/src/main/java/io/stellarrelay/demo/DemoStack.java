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
 * relay serving the demo page, and optionally the simulated daemon (activity and live events). {@link #close} stops all of it
 * in reverse order and deletes every file it wrote.
 */
public final class DemoStack implements AutoCloseable {

    /**
     * @param simulateEvery how often the simulator changes a server, or null for no simulator
     */
    public record Options(String host, int port, Duration pollInterval, Duration simulateEvery) {}

    private final List<AutoCloseable> started = new ArrayList<>();
    private RelayApp relay;
    private LiveEventSimulator liveEvents;
    private DemoDatabase database;
    private EmbeddedServices services;

    private DemoStack() {}

    public static DemoStack start(Options options) {
        DemoStack stack = new DemoStack();
        try {
            stack.startAll(options);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(Options options) {
        services = track(EmbeddedServices.start("stellar-demo-"));
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

        DemoRoutes routes = new DemoRoutes(database.dataSource(), new SessionCookie(new Secret(secret)));
        relay = track(RelayApp.create(RelayConfig.fromEnvironment(env), routes::install).start());
        // Started after the relay so that it stops before it: nothing is published into a closing relay.
        track(Poller.create(PollerConfig.fromEnvironment(env)).start());
        RedisClient redis = track(new RedisConnector(RedisSettings.parse(services.redis().url()), "stellar-demo")
                .newClient(2));
        liveEvents = track(new LiveEventSimulator(database.dataSource(), redis,
                new RedisNames(SharedSettings.DEFAULT_REDIS_PREFIX), new Random()));
        if (options.simulateEvery() != null) {
            ActivitySimulator simulator = track(new ActivitySimulator(database.dataSource(), new Random(),
                    liveEvents::changed));
            simulator.start(options.simulateEvery());
            liveEvents.start(Duration.ofMillis(700), Duration.ofSeconds(2));
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
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

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("stellar-demo: stopping " + started.get(i).getClass().getSimpleName()
                        + " failed: " + e);
            }
        }
        started.clear();
    }
}
