package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PrivateCluster;
import io.stellarrelay.relay.support.PrivateRedis;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relays and a poller on a real three-primary Redis Cluster ({@code REDIS_CLUSTER=true}): syncs go out
 * with SPUBLISH, relays hold one SSUBSCRIBE connection per node that owns a watched channel, console
 * streams are read from the node that owns each one, and a slot that moves to another node is followed.
 */
class RedisClusterIT {
    private static final String INTERVAL_MS = "300";
    private static final int BULK_SERVERS = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutRedis();
    private static List<String> servers;

    @BeforeAll
    static void createDatabase() {
        servers = PanelFixtures.addBulkServers(services.db(), BULK_SERVERS);
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
                Map<String, String> env = RelayFixture.environment(services.db(), cluster.url(), prefix,
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

    @Test
    @DisplayName("console lines XADDed to streams on all three nodes (two slots on one) reach the console reader; "
            + "lines added while the relay's connections were killed arrive after, in order and without a gap "
            + "marker; a stream whose slot moves is read on its new node")
    void consoleStreamsAcrossTheCluster() throws Exception {
        String prefix = "clcon" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        RedisNames names = new RedisNames(prefix);
        List<AutoCloseable> started = new ArrayList<>();
        try (PrivateCluster cluster = PrivateCluster.start(3)) {
            try {
                Map<String, String> env = RelayFixture.environment(services.db(), cluster.url(), prefix, Map.of("REDIS_CLUSTER", "true"));
                RelayApp relay = track(started, RelayApp.create(RelayConfig.fromEnvironment(env)).start());
                // The daemon's side: a cluster client that follows MOVED and retries on a killed connection.
                RedisClusterClient commands = track(started, RedisClusterClient.builder()
                        .nodes(Set.of(new HostAndPort("127.0.0.1", cluster.nodes().get(0).port()))).build());
                List<String> consoles = consolesOnEveryNode(cluster, names);

                // A line in every stream first: the history frame then shows that the relay reads it.
                for (String id : consoles) {
                    xadd(commands, names, id, "ready");
                }
                WsTestClient owner = track(started, WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN)));
                assertTrue(owner.next().contains("auth_success"));
                for (String id : consoles) {
                    owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + id + "\",\"events\":[\"console\"]}");
                }
                assertEquals(listOfEach(consoles, "ready"), consoleLines(owner, consoles, "ready"));

                for (String id : consoles) {
                    xadd(commands, names, id, "live");
                }
                assertEquals(listOfEach(consoles, "live"), consoleLines(owner, consoles, "live"));

                for (PrivateRedis node : cluster.nodes()) {
                    node.admin(j -> j.clientKill(new ClientKillParams().type(ClientType.NORMAL)
                            .skipMe(ClientKillParams.SkipMe.YES)));
                }
                for (int i = 1; i <= 3; i++) {
                    for (String id : consoles) {
                        xadd(commands, names, id, "during " + i);
                    }
                }
                Map<String, List<String>> during = consoleLines(owner, consoles, "during 3");
                for (String id : consoles) {
                    assertEquals(List.of("during 1", "during 2", "during 3"), during.get(id), id);
                }

                String moved = consoles.get(0);
                int slot = JedisClusterCRC16.getSlot(names.consoleStream(moved));
                PrivateRedis from = cluster.ownerOf(slot);
                cluster.moveSlot(slot, cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow());
                xadd(commands, names, moved, "after the move");
                assertEquals(Map.of(moved, List.of("after the move")), consoleLines(owner, List.of(moved), "after the move"));
            } finally {
                for (AutoCloseable c : started.reversed()) {
                    c.close();
                }
            }
        }
    }

    /** A bulk server whose console stream is on each node, and a second one in another slot of the first node. */
    private static List<String> consolesOnEveryNode(PrivateCluster cluster, RedisNames names) {
        Map<PrivateRedis, List<String>> byNode = new HashMap<>();
        for (String id : servers) {
            int slot = JedisClusterCRC16.getSlot(names.consoleStream(id));
            List<String> onNode = byNode.computeIfAbsent(cluster.ownerOf(slot), n -> new ArrayList<>());
            int wanted = cluster.ownerOf(slot) == cluster.nodes().get(0) ? 2 : 1;
            if (onNode.size() < wanted && (onNode.isEmpty()
                    || JedisClusterCRC16.getSlot(names.consoleStream(onNode.get(0))) != slot)) {
                onNode.add(id);
            }
        }
        List<String> consoles = new ArrayList<>();
        byNode.values().forEach(consoles::addAll);
        assertEquals(4, consoles.size(), "consoles on every node among " + BULK_SERVERS + ": " + byNode);
        return consoles;
    }

    private static void xadd(RedisClusterClient commands, RedisNames names, String serverId, String line) {
        commands.xadd(names.consoleStream(serverId), StreamEntryID.NEW_ENTRY,
                Map.of("data", "{\"lines\":[\"" + line + "\"]}"));
    }

    private static Map<String, List<String>> listOfEach(List<String> serverIds, String line) {
        Map<String, List<String>> each = new HashMap<>();
        serverIds.forEach(id -> each.put(id, List.of(line)));
        return each;
    }

    /**
     * The console lines {@code client} receives per server until every one of {@code serverIds} has sent
     * {@code last}; a frame marked gap or dropped fails.
     */
    private static Map<String, List<String>> consoleLines(WsTestClient client, List<String> serverIds, String last)
            throws Exception {
        Map<String, List<String>> lines = new HashMap<>();
        serverIds.forEach(id -> lines.put(id, new ArrayList<>()));
        while (serverIds.stream().anyMatch(id -> !lines.get(id).contains(last))) {
            JsonNode frame = JSON.readTree(client.awaitMessage(m -> m.contains("server:console")));
            JsonNode data = frame.get("data");
            assertEquals(false, data.has("gap") || data.has("dropped"), frame.toString());
            data.get("lines").forEach(line -> lines.get(frame.get("serverId").asText()).add(line.asText()));
        }
        return lines;
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
