package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.CountingDataSource;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POLLER_LISTEN against a real PostgreSQL with the shipped trigger installed. The poll interval is an
 * hour, so no tick can explain a sync arriving within the test; each test also checks that none ran.
 */
class ChangeNotificationIT {
    private static final String HOUR_MS = "3600000";
    /** Far under any poll interval anyone runs, and generous for a loaded machine. */
    private static final Duration INSTANT = Duration.ofSeconds(2);

    private static PanelTestDatabase panel;
    private static TestDatabase db;
    private static List<String> bulk;
    private TestRedis redis;
    private RedisNames names;
    private CountingDataSource counting;
    private Poller poller;

    @BeforeAll
    static void createDatabase() {
        panel = PanelTestDatabase.create(50);
        db = panel.db;
        bulk = panel.bulk;
        NotifyTrigger.install(db);
    }

    @AfterAll
    static void dropDatabase() {
        if (panel != null) panel.close();
    }

    @BeforeEach
    void createNamespace() {
        redis = TestRedis.create();
        names = new RedisNames(redis.prefix());
        counting = new CountingDataSource(panel.pool);
    }

    @AfterEach
    void stop() {
        if (poller != null) poller.close();
        db.execute("UPDATE servers SET status = 'RUNNING' WHERE id = '" + SERVER + "'");
        redis.close();
    }

    /** Starts a listening poller and returns once LISTEN is in place and its first tick is published. */
    private void startPoller(Map<String, String> extra, boolean expectActive) {
        Map<String, String> env = panel.pollerEnvironment(redis, "POLL_INTERVAL_MS", HOUR_MS, "POLLER_LISTEN", "true");
        env.putAll(extra);
        poller = Poller.create(PollerConfig.fromEnvironment(env), counting.dataSource()).start();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> poller.listening() && (!expectActive || poller.ticksRun() == 1));
    }

    @Test
    @DisplayName("a status change reaches Redis as a sync and a server:status event at once, with no tick between")
    void statusChangeIsSyncedAtOnce() throws Exception {
        redis.relayWatches("r1", Set.of(SERVER));
        startPoller(Map.of(), true);
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            long start = System.nanoTime();
            db.execute("UPDATE servers SET status = 'STOPPING' WHERE id = '" + SERVER + "'");
            String sync = channel.next();
            String status = channel.next();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertTrue(sync.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\""), sync);
            assertTrue(sync.contains("\"status\":\"stopping\""), sync);
            assertEquals("{\"type\":\"server:status\",\"serverId\":\"" + SERVER + "\",\"data\":{\"status\":\"stopping\"}}",
                    status);
            assertTrue(took.compareTo(INSTANT) < 0, "took " + took);
            assertEquals(1, poller.ticksRun(), "only the start-up tick ran");
            assertEquals(sync, new String(redis.client().get(names.lastSyncKey(SERVER)), StandardCharsets.UTF_8),
                    "new subscribers get the changed state too");
        }
    }

    @Test
    @DisplayName("changes to unwatched servers and to fields the sync does not show cost no query")
    void onlyWatchedServersWithSyncedChangesAreQueried() throws Exception {
        redis.relayWatches("r1", Set.of(SERVER));
        startPoller(Map.of(), true);
        counting.reset();
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            // Committed in this order, so a notification for the first would be taken up no later than
            // the second: had it come, the watched SERVER would have cost a query.
            db.execute("UPDATE servers SET config = '{\"changed\":true}', description = 'new' WHERE id = '" + SERVER + "'");
            db.execute("UPDATE servers SET name = 'renamed' WHERE id = '" + OTHER_SERVER + "'");
            await().atMost(INSTANT).until(() -> poller.notificationsTaken() >= 1);
            assertEquals(0, counting.statements());
            assertEquals(0, channel.pending());

            db.execute("UPDATE servers SET name = 'renamed too' WHERE id = '" + SERVER + "'");
            assertTrue(channel.next().contains("\"name\":\"renamed too\""));
            assertEquals(1, counting.statements());
            await().atMost(INSTANT).until(() -> poller.notificationsTaken() >= 2);
            assertEquals(2, poller.notificationsTaken(), "the config change notified nothing");
        } finally {
            db.execute("UPDATE servers SET name = 'my-server' WHERE id = '" + SERVER + "'");
        }
    }

    @Test
    @DisplayName("a burst of single-row commits costs at most one statement per coalescing window")
    void burstIsCoalesced() throws Exception {
        redis.relayWatches("r1", new HashSet<>(bulk));
        long windowMs = 100;
        startPoller(Map.of("POLLER_LISTEN_COALESCE_MS", Long.toString(windowMs)), true);
        counting.reset();
        List<String> channels = bulk.stream().map(names::serverChannel).toList();
        try (RedisMessages messages = new RedisMessages(redis.url(), channels.toArray(String[]::new));
             Connection c = db.connection();
             PreparedStatement rename = c.prepareStatement("UPDATE servers SET name = ? WHERE id = ?")) {
            long start = System.nanoTime();
            for (String id : bulk) {
                rename.setString(1, "burst " + id);
                rename.setString(2, id);
                rename.executeUpdate(); // autocommit: one transaction, one notification each
            }
            long spanMs = Duration.ofNanos(System.nanoTime() - start).toMillis();

            Set<String> renamed = new HashSet<>();
            while (renamed.size() < bulk.size()) {
                String frame = messages.next();
                for (String id : bulk) {
                    if (frame.contains("\"name\":\"burst " + id + "\"")) {
                        renamed.add(id);
                    }
                }
            }
            await().atMost(INSTANT).until(() -> poller.notificationsTaken() == bulk.size());
            int statements = counting.statements();
            assertTrue(statements >= 1 && statements <= 2 + spanMs / windowMs,
                    statements + " statements for " + bulk.size() + " commits over " + spanMs + " ms");
            assertEquals(1, poller.ticksRun());
        }
    }

    @Test
    @DisplayName("a standby hears the notification but neither queries nor publishes")
    void standbyIgnoresNotifications() throws Exception {
        redis.client().psetex(names.pollerLeaseKey(), 3_600_000, "the-active-one");
        redis.relayWatches("r1", Set.of(SERVER));
        startPoller(Map.of(), false);
        counting.reset();
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            db.execute("UPDATE servers SET status = 'STOPPING' WHERE id = '" + SERVER + "'");
            await().atMost(INSTANT).until(() -> poller.notificationsTaken() >= 1);

            // Published after the poller took the notification: had it published, that came first.
            redis.client().publish(names.serverChannel(SERVER), "witness");
            assertEquals("witness", channel.next());
            assertEquals(0, counting.statements());
            assertFalse(poller.isActive());
            assertEquals(0, poller.ticksRun());
        }
    }
}
