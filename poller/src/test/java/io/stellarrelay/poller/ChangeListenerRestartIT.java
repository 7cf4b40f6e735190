package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.PrivatePostgres;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LISTEN connection across a real PostgreSQL restart, on a PostgreSQL of the test's own. */
class ChangeListenerRestartIT {
    private static PrivatePostgres postgres;
    private static TestDatabase db;
    private static TestRedis redis;

    @BeforeAll
    static void start() {
        postgres = PrivatePostgres.start();
        db = postgres.createPanelDatabase();
        NotifyTrigger.install(db);
        redis = TestRedis.create();
    }

    @AfterAll
    static void stop() {
        if (redis != null) redis.close();
        if (db != null && postgres.isRunning()) db.close();
        if (postgres != null) postgres.close();
    }

    private static String syncWithStatus(RedisMessages channel, String status) throws InterruptedException {
        String frame = channel.next();
        assertTrue(frame.startsWith("{\"type\":\"server:sync\"") && frame.contains("\"status\":\"" + status + "\""),
                frame);
        return frame;
    }

    @Test
    @DisplayName("after PostgreSQL restarts, the poller listens again and changes are synced at once")
    void listensAgainAfterRestart() throws Exception {
        RedisNames names = new RedisNames(redis.prefix());
        redis.relayWatches("r1", Set.of(SERVER));
        PollerConfig config = PollerConfig.fromEnvironment(Map.of("DATABASE_URL", db.url(), "REDIS_URL", redis.url(),
                "REDIS_PREFIX", redis.prefix(), "HEALTH_PORT", "0", "POLL_INTERVAL_MS", "3600000",
                "POLLER_LISTEN", "true"));
        try (Poller poller = Poller.create(config).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> poller.listening() && poller.ticksRun() == 1);
            try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
                db.execute("UPDATE servers SET status = 'STOPPING' WHERE id = '" + SERVER + "'");
                syncWithStatus(channel, "stopping");
                assertTrue(channel.next().startsWith("{\"type\":\"server:status\""));

                postgres.stop();
                await().atMost(Duration.ofSeconds(10)).until(() -> !poller.listening());
                postgres.restart();
                await().atMost(Duration.ofSeconds(20)).until(poller::listening);

                long start = System.nanoTime();
                db.execute("UPDATE servers SET status = 'STARTING' WHERE id = '" + SERVER + "'");
                syncWithStatus(channel, "starting");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "took " + took);
                assertEquals(1, poller.ticksRun(), "no tick ran: the notification did it");
            }
        }
    }
}
