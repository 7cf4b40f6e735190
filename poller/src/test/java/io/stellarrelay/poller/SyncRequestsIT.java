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

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relays' requests for a first sync ({@code {prefix}:poller:sync-requests}). The poll interval is an hour
 * and no relay watches anything, so only a request can explain a sync within the test.
 */
class SyncRequestsIT {
    private static final Duration INSTANT = Duration.ofSeconds(2);

    private static PanelTestDatabase panel;
    private static TestDatabase db;
    private static List<String> bulk;
    private TestRedis redis;
    private RedisNames names;
    private CountingDataSource counting;
    private Poller poller;
    private Poller standby;

    @BeforeAll
    static void createDatabase() {
        panel = PanelTestDatabase.create(100);
        db = panel.db;
        bulk = panel.bulk;
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
        if (standby != null) standby.close();
        if (poller != null) poller.close();
        redis.close();
    }

    private Poller start() {
        Map<String, String> env = panel.pollerEnvironment(redis, "POLL_INTERVAL_MS", "3600000");
        return Poller.create(PollerConfig.fromEnvironment(env), counting.dataSource()).start();
    }

    private void request(String serverId) {
        redis.client().rpush(names.syncRequestsKey(), serverId);
    }

    @Test
    @DisplayName("a requested server is synced at once, without any relay watching it and without a tick")
    void requestIsSyncedAtOnce() throws Exception {
        poller = start();
        await().atMost(Duration.ofSeconds(10)).until(poller::isActive);
        counting.reset();
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            long begin = System.nanoTime();
            request(SERVER);
            String sync = channel.next();
            Duration took = Duration.ofNanos(System.nanoTime() - begin);
            assertTrue(sync.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\""), sync);
            assertTrue(took.compareTo(INSTANT) < 0, "took " + took);
            assertEquals(1, counting.statements());
            assertEquals(0, redis.client().llen(names.syncRequestsKey()), "the request was taken");
            assertTrue(redis.client().exists(names.lastSyncKey(SERVER)), "later subscribers find the state too");
        }
    }

    @Test
    @DisplayName("a burst of requests is synced with a few statements, every server once")
    void burstIsCoalesced() throws Exception {
        poller = start();
        await().atMost(Duration.ofSeconds(10)).until(poller::isActive);
        counting.reset();
        try (RedisMessages channels = RedisMessages.matching(redis.url(), names.serverChannel("*"))) {
            String[] ids = bulk.toArray(String[]::new);
            redis.client().rpush(names.syncRequestsKey(), ids); // one push: taken together
            Set<String> synced = new HashSet<>();
            while (synced.size() < ids.length) {
                String frame = channels.next();
                String id = frame.substring(frame.indexOf("\"serverId\":\"") + 12);
                synced.add(id.substring(0, id.indexOf('"')));
            }
            assertEquals(Set.of(ids), synced);
            assertTrue(counting.statements() <= 2, counting.statements() + " statements for one burst");
        }
    }

    @Test
    @DisplayName("a standby takes no request; the active poller takes them all")
    void onlyTheActivePollerTakesRequests() throws Exception {
        poller = start();
        await().atMost(Duration.ofSeconds(10)).until(poller::isActive);
        standby = start();
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            // One list entry per request, taken by exactly one poller: had the standby taken any, it would
            // have dropped it, and that sync would never come.
            for (int i = 0; i < 20; i++) {
                request(SERVER);
                channel.next();
            }
            assertTrue(poller.isActive());
            assertFalse(standby.isActive());
            assertEquals(0, standby.ticksRun());
        }
    }

    @Test
    @DisplayName("a tick answers the requests still waiting, so they cause no second sync after it")
    void tickTakesOverWaitingRequests() throws Exception {
        Map<String, String> env = panel.pollerEnvironment(redis, "POLL_INTERVAL_MS", "3600000");
        poller = Poller.create(PollerConfig.fromEnvironment(env), counting.dataSource()); // not started: nobody takes
        request(SERVER);
        redis.relayWatches("r1", Set.of(SERVER));
        assertEquals(1, poller.tick().published());
        assertEquals(0, redis.client().llen(names.syncRequestsKey()));
    }
}
