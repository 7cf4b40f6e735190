package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole path: two relays, one poller, PostgreSQL and Redis, clients on both relays. */
class TwoRelaysOnePollerIT {
    private static final String INTERVAL_MS = "200";
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp relayA;
    private static RelayApp relayB;
    private static Poller poller;

    @BeforeAll
    static void start() {
        Map<String, String> env = Map.of("POLL_INTERVAL_MS", INTERVAL_MS);
        relayA = RelayFixture.startRelay(services.db(), services.redis(), env);
        relayB = RelayFixture.startRelay(services.db(), services.redis(), env);
        poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(), env))).start();
    }

    @AfterAll
    static void stop() {
        if (poller != null) poller.close();
        if (relayA != null) relayA.close();
        if (relayB != null) relayB.close();
    }

    private static String syncWithStatus(WsTestClient client, String status) throws InterruptedException {
        return client.awaitMessage(m -> m.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\"")
                && m.contains("\"status\":\"" + status + "\""));
    }

    @Test
    @DisplayName("a lost watch set is rebuilt whole, so every watched server is still polled")
    void lostWatchSetIsRebuilt() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        String key = names.relayWatchKey(relayA.relayId());
        try (WsTestClient client = WsTestClient.connect(relayA.port(), cookieHeader(io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN))) {
            client.next();
            for (String id : new String[] {SERVER, io.stellarrelay.testing.PanelFixtures.OTHER_SERVER}) {
                client.send("{\"type\":\"subscribe\",\"serverId\":\"" + id + "\"}");
                client.awaitSync(id);
            }
            await().atMost(WsTestClient.WAIT).until(() -> services.redis().client().scard(key) == 2);

            services.redis().client().del(key); // as an eviction or a Redis restart would
            await().atMost(WsTestClient.WAIT).until(() -> services.redis().client().smembers(key).equals(
                    java.util.Set.of(SERVER, io.stellarrelay.testing.PanelFixtures.OTHER_SERVER)));

            services.redis().client().del(key); // lost again, and this time a write comes first
            client.send("{\"type\":\"unsubscribe\",\"serverId\":\"" + io.stellarrelay.testing.PanelFixtures.OTHER_SERVER + "\"}");
            await().atMost(WsTestClient.WAIT).until(() -> services.redis().client().smembers(key).equals(java.util.Set.of(SERVER)));
            client.awaitSync(SERVER);
        }
    }

    @Test
    @DisplayName("clients on two relays watching one server receive the same sync, and a change reaches both")
    void clientsOnBothRelaysReceiveTheSameSync() throws Exception {
        try (WsTestClient onA = WsTestClient.connect(relayA.port(), cookieHeader(OWNER_TOKEN));
             WsTestClient onB = WsTestClient.connect(relayB.port())) {
            assertTrue(onA.next().contains("auth_success"));
            onB.authenticate(MEMBER_TOKEN);
            onA.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            onB.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");

            assertEquals(onA.awaitSync(SERVER), onB.awaitSync(SERVER));

            services.db().execute("UPDATE servers SET status = 'STOPPING', \"updatedAt\" = '2026-03-01 13:00:00' WHERE id = '"
                    + SERVER + "'");
            String seenByA = syncWithStatus(onA, "stopping");
            String seenByB = syncWithStatus(onB, "stopping");
            assertEquals(seenByA, seenByB);
            assertTrue(seenByA.contains("\"updatedAt\":\"2026-03-01T13:00:00.000Z\""));
        } finally {
            services.db().execute("UPDATE servers SET status = 'RUNNING' WHERE id = '" + SERVER + "'");
        }
    }

    @Test
    @DisplayName("each relay holds one Redis subscription per watched server, dropped after its last watcher; "
            + "the other relay's clients keep getting every tick")
    void oneRelayLettingGoDoesNotStopTheOther() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        String channel = names.serverChannel(SERVER);
        try (WsTestClient onA = WsTestClient.connect(relayA.port(), cookieHeader(OWNER_TOKEN));
             WsTestClient alsoOnA = WsTestClient.connect(relayA.port(), cookieHeader(OWNER_TOKEN));
             WsTestClient onB = WsTestClient.connect(relayB.port(), cookieHeader(OWNER_TOKEN))) {
            for (WsTestClient client : new WsTestClient[] {onA, alsoOnA, onB}) {
                client.next();
                client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
                client.awaitSync(SERVER);
            }
            // The first sync may come from the poller's copy in Redis before the relay's SUBSCRIBE lands.
            await().atMost(WsTestClient.WAIT).until(() -> services.redis().subscribers(channel) >= 2);
            assertEquals(2, services.redis().subscribers(channel), "one subscription per relay, not per socket");

            onA.close();
            await().atMost(WsTestClient.WAIT).until(() -> relayA.connectionCount() == 1);
            alsoOnA.awaitSync(SERVER);
            assertEquals(2, services.redis().subscribers(channel), "relay A still has a watcher");

            alsoOnA.close();
            await().atMost(WsTestClient.WAIT).until(() -> relayA.watchedServerCount() == 0
                    && services.redis().subscribers(channel) == 1
                    && !services.redis().client().sismember(names.relayWatchKey(relayA.relayId()), SERVER));
            // Every later tick still reaches B: the server stays in the union through B's own set.
            for (int tick = 0; tick < 3; tick++) {
                onB.awaitSync(SERVER);
            }
            assertTrue(services.redis().client().sismember(names.relayWatchKey(relayB.relayId()), SERVER));
        }
    }
}
