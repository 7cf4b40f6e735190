package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ticks that read only what changed: what they publish must be byte for byte what a full read
 * publishes, after every kind of change the sync shows. Each test has its own panel database, since
 * the tests change it.
 */
class IncrementalTickIT {
    private static final int BULK = 600;
    private PanelTestDatabase panel;
    private TestRedis redis;
    private RedisNames names;
    private Set<String> watched;
    private final List<Poller> pollers = new java.util.ArrayList<>();
    private TickReport lastTick;

    @BeforeEach
    void start() {
        panel = PanelTestDatabase.create(BULK);
        // As in a panel that has been running: nothing written in the last seconds.
        panel.db.execute(AGE);
        redis = TestRedis.create();
        names = new RedisNames(redis.prefix());
        watched = new HashSet<>(panel.bulk);
        watched.add(SERVER);
        watched.add(OTHER_SERVER);
        redis.relayWatches("r1", watched);
    }

    @AfterEach
    void stop() {
        pollers.forEach(Poller::close);
        redis.close();
        panel.close();
    }

    private Poller poller(String... extra) {
        Poller poller = Poller.create(PollerConfig.fromEnvironment(panel.pollerEnvironment(redis, extra)),
                panel.pool);
        pollers.add(poller);
        return poller;
    }

    /** Runs one tick of {@code poller} and returns every frame it published, by server id. */
    private Map<String, String> framesOf(Poller poller) throws Exception {
        return framesOf(poller, null);
    }

    /** The same for the servers of {@code shares} only (all with null). */
    private Map<String, String> framesOf(Poller poller, Set<Integer> shares) throws Exception {
        try (RedisMessages all = RedisMessages.matching(redis.url(), names.serverChannel("*"))) {
            TickReport report = shares == null ? poller.tick() : poller.tick(shares);
            lastTick = report;
            Map<String, String> frames = new HashMap<>();
            for (int i = 0; i < report.published(); i++) {
                String frame = all.next();
                String id = frame.substring(frame.indexOf("\"serverId\":\"") + 12);
                assertEquals(null, frames.put(id.substring(0, id.indexOf('"')), frame), "one frame per server");
            }
            return frames;
        }
    }

    private static final String STAMP = "(now() AT TIME ZONE 'UTC')";
    static final String AGE = """
            UPDATE servers SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE allocations SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE nodes SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE locations SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE blueprints SET "updatedAt" = "updatedAt" - interval '1 hour';
            """;

    @Test
    @DisplayName("after changes to servers, allocations, nodes, locations and blueprints, an incremental tick publishes exactly the bytes of a full read")
    void incrementalTickIsByteIdenticalToFullRead() throws Exception {
        Poller incremental = poller();
        Map<String, String> first = framesOf(incremental);
        assertEquals(watched, first.keySet());

        TickReport quiet = incremental.tick();
        assertEquals(watched.size(), quiet.published());
        assertTrue(quiet.read() < watched.size() / 4, "an unchanged tick reads only its re-read slice, read " + quiet.read());

        panel.db.execute("""
                UPDATE servers SET name = 'renamed', status = 'STOPPED', "updatedAt" = %1$s WHERE id = 'bulk_1';
                UPDATE allocations SET port = 31111, "updatedAt" = %1$s WHERE id = 'balloc_a_2';
                UPDATE allocations SET "serverId" = 'bulk_4', "updatedAt" = %1$s WHERE id = 'balloc_b_3';
                """.formatted(STAMP));
        Map<String, String> incrementalFrames = framesOf(incremental);
        int read = lastTick.read();
        assertTrue(read < watched.size() / 4, "only what changed and the slice, read " + read);
        Map<String, String> afterChange = assertSameAsFullRead(incrementalFrames);
        assertTrue(afterChange.get("bulk_1").contains("\"name\":\"renamed\""));
        assertTrue(afterChange.get("bulk_2").contains("31111"));
        assertTrue(afterChange.get("bulk_4").contains("balloc_b_3"));
        assertTrue(!afterChange.get("bulk_3").contains("balloc_b_3"), "the server an allocation left");

        panel.db.execute("""
                UPDATE blueprints SET name = 'Paper', "updatedAt" = %1$s WHERE id = 'bp_789';
                UPDATE locations SET name = 'US East 2', "updatedAt" = %1$s WHERE id = 'loc_123';
                """.formatted(STAMP));
        Map<String, String> related = assertSameAsFullRead(framesOf(incremental));
        assertTrue(related.get("bulk_5").contains("\"name\":\"Paper\""));
        assertTrue(related.get(SERVER).contains("US East 2"));

        panel.db.execute("""
                UPDATE nodes SET "isOnline" = false, "updatedAt" = %1$s WHERE id = 'node_456abcdef';
                """.formatted(STAMP));
        Map<String, String> nodeOffline = assertSameAsFullRead(framesOf(incremental));
        assertTrue(nodeOffline.get("bulk_7").contains("\"isOnline\":false"));
    }

    /** Compares {@code frames} byte for byte with what a new poller, which reads every row, publishes. */
    private Map<String, String> assertSameAsFullRead(Map<String, String> frames) throws Exception {
        Map<String, String> fullRead;
        Poller fresh = poller();
        try {
            fullRead = framesOf(fresh);
        } finally {
            pollers.remove(fresh);
            fresh.close(); // gives its connection back to the test's small pool
        }
        assertEquals(watched.size(), lastTick.read(), "the new poller read every row");
        assertEquals(fullRead.keySet(), frames.keySet());
        for (String id : fullRead.keySet()) {
            assertArrayEquals(fullRead.get(id).getBytes(StandardCharsets.UTF_8),
                    frames.get(id).getBytes(StandardCharsets.UTF_8), id);
        }
        return frames;
    }

    @Test
    @DisplayName("a write that leaves updatedAt alone reaches the sync within POLLER_REREAD_TICKS ticks, each reading its slice")
    void rollingReReadCatchesSilentWrites() throws Exception {
        Poller poller = poller("POLLER_REREAD_TICKS", "3");
        framesOf(poller);
        panel.db.execute("UPDATE servers SET name = 'silent' || id WHERE id LIKE 'bulk_%'");
        Set<String> seen = new HashSet<>();
        for (int tick = 0; tick < 3; tick++) {
            Map<String, String> frames = framesOf(poller);
            assertTrue(lastTick.read() < watched.size() / 2, "a third of the rows per tick, read " + lastTick.read());
            frames.forEach((id, frame) -> {
                if (frame.contains("\"name\":\"silent" + id + "\"")) {
                    seen.add(id);
                }
            });
        }
        assertEquals(new HashSet<>(panel.bulk), seen, "every silently changed server within 3 ticks");
    }

    @Test
    @DisplayName("with two shares, a tick of one share keeps the other share's frames, and each tick publishes only its share")
    void sharesKeepEachOthersFrames() throws Exception {
        Poller poller = poller("POLLER_REPLICAS", "2", "POLLER_REREAD_TICKS", "1000");
        Map<String, String> zero = framesOf(poller, Set.of(0));
        Map<String, String> one = framesOf(poller, Set.of(1));
        assertEquals(watched, union(zero.keySet(), one.keySet()));
        assertTrue(!zero.isEmpty() && !one.isEmpty() && java.util.Collections.disjoint(zero.keySet(), one.keySet()));
        assertEquals(zero, framesOf(poller, Set.of(0)));
        assertTrue(lastTick.read() < zero.size() / 10, "share 0's frames were kept: read " + lastTick.read());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    @DisplayName("kept copies are renewed a third per tick, and a copy Redis lost is stored again by the tick that renews it")
    void keptCopiesRenewedInTurns() throws Exception {
        Poller poller = poller("POLLER_REREAD_TICKS", "1000");
        framesOf(poller); // tick 0 reads and stores every copy
        // Servers none of the next three ticks reads again (re-read slices 1 to 3), so their frames are republished.
        List<String> kept = panel.bulk.stream().filter(s -> Math.floorMod(s.hashCode(), 1000) > 3).toList();
        Map<String, byte[]> stored = new HashMap<>();
        for (String id : kept) {
            stored.put(id, redis.client().get(names.lastSyncKey(id)));
            redis.client().del(names.lastSyncKey(id)); // as if Redis lost them
        }
        for (int tick = 1; tick <= SyncPublisher.RENEW_EVERY_TICKS; tick++) {
            Map<String, String> frames = framesOf(poller);
            assertTrue(lastTick.read() < 10, "republished, not read again: read " + lastTick.read());
            int last = tick;
            for (String id : kept) {
                assertArrayEquals(stored.get(id), frames.get(id).getBytes(StandardCharsets.UTF_8), "republished as kept");
                // Tick u renews the copies whose slice is u modulo RENEW_EVERY_TICKS.
                boolean renewedByNow = IntStream.rangeClosed(1, last)
                        .anyMatch(u -> u % SyncPublisher.RENEW_EVERY_TICKS == TickPlanner.renewalSlice(id));
                byte[] copy = redis.client().get(names.lastSyncKey(id));
                if (renewedByNow) {
                    assertArrayEquals(stored.get(id), copy, id + " stored again by tick " + tick);
                    assertTrue(redis.client().pttl(names.lastSyncKey(id)) > 0, "renewed copies keep an expiry");
                } else {
                    assertTrue(copy == null, id + " is not renewed before its turn (tick " + tick + ")");
                }
            }
        }
    }
}
