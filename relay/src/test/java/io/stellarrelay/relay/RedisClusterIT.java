package io.stellarrelay.relay;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.stellarrelay.relay.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relays and a poller on a real three-primary Redis Cluster ({@code REDIS_CLUSTER=true}): syncs go out
 * with SPUBLISH, relays hold one SSUBSCRIBE connection per node that owns a watched channel, and a slot
 * that moves to another node is followed.
 */
class RedisClusterIT {
    private static final String INTERVAL_MS = "300";
    private static final int BULK_SERVERS = 40;

    private static TestDatabase db;
    private static List<String> servers;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create();
        PanelFixtures.load(db);
        servers = PanelFixtures.addBulkServers(db, BULK_SERVERS);
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    @DisplayName("clients on two relays watching servers on all three nodes get their syncs, and keep getting "
            + "them for a server whose slot moves to another node")
    void syncsFollowSlotsAcrossTheCluster() throws Exception {
        String prefix = "cluster" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        RedisNames names = new RedisNames(prefix);
        List<AutoCloseable> started = new ArrayList<>();
        try (PrivateCluster cluster = PrivateCluster.start(3)) {
            try {
                Map<String, String> env = RelayFixture.environment(db, cluster.url(), prefix,
                        Map.of("POLL_INTERVAL_MS", INTERVAL_MS, "REDIS_CLUSTER", "true"));
                RelayApp relayA = track(started, RelayApp.create(RelayConfig.fromEnvironment(env)).start());
                RelayApp relayB = track(started, RelayApp.create(RelayConfig.fromEnvironment(env)).start());
                track(started, Poller.create(PollerConfig.fromEnvironment(env)).start());

                // One watched server per node, chosen by where its channel's slot lives.
                Map<PrivateRedis, String> watchedOn = new HashMap<>();
                for (String id : servers) {
                    watchedOn.putIfAbsent(cluster.ownerOf(slotOf(names, id)), id);
                }
                assertEquals(3, watchedOn.size(), "servers on every node among " + BULK_SERVERS);
                List<String> watched = List.copyOf(watchedOn.values());

                WsTestClient onA = track(started, subscribed(relayA, watched));
                WsTestClient onB = track(started, subscribed(relayB, watched));
                for (Map.Entry<PrivateRedis, String> e : watchedOn.entrySet()) {
                    String channel = names.serverChannel(e.getValue());
                    await().atMost(WsTestClient.WAIT)
                            .until(() -> PrivateCluster.shardSubscribers(e.getKey(), channel) == 2);
                }
                awaitSyncs(onA, watched);
                awaitSyncs(onB, watched);

                RedisCommands commands = new RedisConnector(List.of(RedisSettings.parse(cluster.nodes().get(0).url())),
                        true, "cluster-test").newCommands(2);
                started.add(commands);
                for (RelayApp relay : List.of(relayA, relayB)) {
                    assertEquals(Set.copyOf(watched), commands.smembers(names.relayWatchKey(relay.relayId())));
                }

                // Move the slot of one watched channel to another node.
                String moved = watched.get(0);
                int slot = slotOf(names, moved);
                PrivateRedis from = cluster.ownerOf(slot);
                PrivateRedis to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
                cluster.moveSlot(slot, to);

                String channel = names.serverChannel(moved);
                await().atMost(WsTestClient.WAIT).until(() -> PrivateCluster.shardSubscribers(to, channel) == 2);
                assertEquals(0, PrivateCluster.shardSubscribers(from, channel), "nobody left on the old owner");
                onA.takeReceived();
                onB.takeReceived();
                awaitSyncs(onA, watched);
                awaitSyncs(onB, watched);
                for (RelayApp relay : List.of(relayA, relayB)) {
                    await().atMost(WsTestClient.WAIT).ignoreExceptions()
                            .until(() -> RelayFixture.get(relay.port(), "/health/ready", null).statusCode() == 200);
                }
            } finally {
                for (AutoCloseable c : started.reversed()) {
                    c.close();
                }
            }
        }
    }

    private static int slotOf(RedisNames names, String serverId) {
        return JedisClusterCRC16.getSlot(names.serverChannel(serverId));
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> started, T resource) {
        started.add(resource);
        return resource;
    }

    /** The owner of the bulk servers on {@code relay}, subscribed to {@code serverIds}. */
    private static WsTestClient subscribed(RelayApp relay, List<String> serverIds) throws Exception {
        WsTestClient client = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
        assertTrue(client.next().contains("auth_success"));
        for (String id : serverIds) {
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + id + "\"}");
        }
        return client;
    }

    /** Waits until the client has received two more syncs of every server (so at least one came by pub/sub). */
    private static void awaitSyncs(WsTestClient client, List<String> serverIds) throws InterruptedException {
        for (String id : serverIds) {
            client.awaitSync(id);
            client.awaitSync(id);
        }
    }
}
