package io.stellarrelay.poller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The poller against a real PostgreSQL and Redis, driven tick by tick. */
class PollerIT {
    private static PanelTestDatabase panel;
    private static TestDatabase db;
    private static List<String> bulk;
    private TestRedis redis;
    private RedisNames names;
    private CountingDataSource counting;
    private Poller poller;

    @BeforeAll
    static void createDatabase() {
        panel = PanelTestDatabase.create(2500);
        db = panel.db;
        bulk = panel.bulk;
    }

    @AfterAll
    static void dropDatabase() {
        if (panel != null) panel.close();
    }

    @BeforeEach
    void startPoller() {
        redis = TestRedis.create();
        names = new RedisNames(redis.prefix());
        counting = new CountingDataSource(panel.pool);
        PollerConfig config = PollerConfig.fromEnvironment(panel.pollerEnvironment(redis));
        poller = Poller.create(config, counting.dataSource());
    }

    @AfterEach
    void stopPoller() {
        poller.close();
        redis.close();
    }

    @Test
    @DisplayName("the sync of a fixture server is byte for byte the documented shape, with panel fields mapped")
    void syncPayloadMatchesTheDocumentedShape() throws Exception {
        redis.relayWatches("r1", Set.of(SERVER));
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(SERVER))) {
            TickReport report = poller.tick();
            assertEquals(1, report.published());
            String expected = """
                    {"type":"server:sync","serverId":"srv_abc123","data":{\
                    "id":"srv_abc123","shortId":"abc123","name":"my-server","status":"running","suspended":false,\
                    "containerId":"container_xyz","memory":2048,"disk":10240,"cpu":100,"cpuPinning":null,"swap":0,\
                    "oomKillDisable":false,"backupLimit":5,"nodeId":"node_456abcdef","blueprintId":"bp_789",\
                    "ownerId":"usr_owner","createdAt":"2026-03-01T12:00:00.000Z","updatedAt":"2026-03-01T12:30:00.000Z",\
                    "node":{"id":"node_456abcdef","shortId":"node_456","displayName":"US-East-1",\
                    "host":"node1.example.com","port":443,"protocol":"https","sftpPort":2022,"isOnline":true,\
                    "fqdn":"node1.example.com","daemonPort":443,"location":{"id":"loc_123","name":"US East"}},\
                    "allocations":[{"id":"alloc_111","ip":"0.0.0.0","port":25565,"isPrimary":true},\
                    {"id":"alloc_222","ip":"0.0.0.0","port":25566,"isPrimary":false},\
                    {"id":"alloc_333","ip":"10.0.0.5","port":25570,"isPrimary":false}],\
                    "blueprint":{"id":"bp_789","name":"Minecraft Java"}}}""";
            String actual = channel.next();
            assertEquals(expected, actual);

            JsonNode data = new ObjectMapper().readTree(actual).get("data");
            for (String number : List.of("memory", "disk", "cpu", "swap", "backupLimit")) {
                assertTrue(data.get(number).isNumber(), number + " must be a JSON number");
            }
            assertTrue(data.get("cpuPinning").isNull());
            assertTrue(data.get("suspended").isBoolean());
            assertTrue(data.get("node").get("port").isInt());
            assertFalse(actual.contains("do-not-leak"), "server config/variables must never be sent");
            assertFalse(actual.contains("node-secret"), "node tokens must never be sent");
        }
    }

    @Test
    @DisplayName("nulls, fractional cpu, milliseconds and a server without allocations map as the panel did")
    void edgeCasesOfTheMapping() throws Exception {
        redis.relayWatches("r1", Set.of(OTHER_SERVER));
        try (RedisMessages channel = new RedisMessages(redis.url(), names.serverChannel(OTHER_SERVER))) {
            poller.tick();
            JsonNode data = new ObjectMapper().readTree(channel.next()).get("data");
            assertTrue(data.get("shortId").isNull());
            assertTrue(data.get("containerId").isNull());
            assertEquals("stopped", data.get("status").asText());
            assertTrue(data.get("suspended").asBoolean());
            assertEquals(150.5, data.get("cpu").asDouble());
            assertEquals(-1, data.get("swap").asLong());
            assertEquals("0-1", data.get("cpuPinning").asText());
            assertEquals("2026-03-02T08:15:30.125Z", data.get("createdAt").asText());
            assertTrue(data.get("allocations").isArray());
            assertEquals(0, data.get("allocations").size());
        }
    }

    @ParameterizedTest(name = "{0} watched servers")
    @ValueSource(ints = {1, 10, 1000, 2500})
    @DisplayName("a tick runs two SQL statements at most (change scan, read) and publishes one sync per watched server, whatever their number")
    void statementCountStaysConstant(int watched) throws Exception {
        redis.relayWatches("r1", new HashSet<>(bulk.subList(0, watched)));
        for (int tick = 0; tick < 3; tick++) {
            counting.reset();
            TickReport report = poller.tick();
            assertEquals(report.read() == 0 ? 1 : 2, counting.statements());
            assertEquals(counting.statements(), report.statements());
            assertEquals(watched, report.watched());
            assertEquals(watched, report.published());
            if (tick == 0) {
                assertEquals(watched, report.read(), "the first tick reads every row");
            }
        }
    }

    @Test
    @DisplayName("a tick of several batches publishes every watched server exactly once, from one statement")
    void batchesCoverEveryServerOnce() throws Exception {
        int watched = SyncPublisher.BATCH * 2 + 500;
        redis.relayWatches("r1", new HashSet<>(bulk.subList(0, watched)));
        try (RedisMessages all = RedisMessages.matching(redis.url(), names.serverChannel("*"))) {
            counting.reset();
            TickReport report = poller.tick();
            assertEquals(2, counting.statements());
            assertEquals(watched, report.published());
            Map<String, Integer> perServer = new HashMap<>();
            for (int i = 0; i < watched; i++) {
                String frame = all.next();
                String id = frame.substring(frame.indexOf("\"serverId\":\"") + 12);
                perServer.merge(id.substring(0, id.indexOf('"')), 1, Integer::sum);
            }
            assertEquals(new HashSet<>(bulk.subList(0, watched)), perServer.keySet());
            assertTrue(perServer.values().stream().allMatch(n -> n == 1), "each server once");
            assertEquals(0, all.pending(), "nothing more");
        }
    }

    @Test
    @DisplayName("no SQL at all when nothing is watched")
    void noQueryWhenNothingIsWatched() throws Exception {
        counting.reset();
        TickReport report = poller.tick();
        assertEquals(0, counting.statements());
        assertEquals(0, report.watched());
    }

    @Test
    @DisplayName("the watched set is the union over relays, and a relay whose set expired is dropped from the index")
    void watchedSetIsTheUnionOfLiveRelays() throws Exception {
        redis.relayWatches("r1", Set.of(SERVER));
        redis.relayWatches("r2", Set.of(SERVER, OTHER_SERVER));
        redis.relayWatches("gone", Set.of()); // listed in the index but its set has expired
        redis.client().sadd(names.relayWatchKey("gone"), "bulk_1");
        redis.client().del(names.relayWatchKey("gone"));

        assertEquals(2, poller.tick().watched());
        assertFalse(redis.client().sismember(names.relayIndexKey(), "gone"));
        assertTrue(redis.client().sismember(names.relayIndexKey(), "r1"));

        redis.relayWatches("r2", Set.of()); // r2 lets both go: r1 still watches SERVER
        assertEquals(1, poller.tick().watched());
    }

    @Test
    @DisplayName("watched ids that name no server are skipped without failing the tick")
    void unknownServersAreSkipped() throws Exception {
        redis.relayWatches("r1", Set.of(SERVER, "srv_does_not_exist", "x'); DROP TABLE servers; --"));
        TickReport report = poller.tick();
        assertEquals(3, report.watched());
        assertEquals(1, report.published());
        assertEquals(2, counting.statements());
    }
}
