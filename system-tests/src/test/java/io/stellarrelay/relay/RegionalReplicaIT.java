package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PrivateRedis;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.args.ClientType;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay in another region: pub/sub from a replica next to it ({@code REDIS_SUBSCRIBE_URL}), everything
 * it writes on the primary ({@code REDIS_URL}), where the poller runs. Both are real redis-server
 * processes of the test's own, the replica attached with REPLICAOF.
 */
class RegionalReplicaIT {
    private static final String INTERVAL_MS = "300";
    /** The relay replaces a pub/sub connection that delivers no probe for 6 s (README, failure modes). */
    private static final Duration SILENCE_LIMIT = Duration.ofSeconds(6);

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutRedis();

    @AfterAll
    static void dropDatabase() {
    }

    @Test
    @DisplayName("a relay subscribed on a replica delivers the syncs the poller publishes on the primary, "
            + "and its watch set is written on the primary")
    void syncsArriveThroughTheReplica() throws Exception {
        try (Region region = Region.start();
             WsTestClient client = region.subscribedOwner()) {
            for (int tick = 0; tick < 3; tick++) {
                client.awaitSync(SERVER);
            }
            assertEquals(1, region.replica.pubsubClientCount(), "the relay's subscriber is on the replica");
            assertEquals(0, region.primary.pubsubClientCount(), "and not on the primary");
            RedisNames names = new RedisNames(region.prefix);
            assertEquals(Set.of(SERVER), region.primary.admin(j -> j.smembers(names.relayWatchKey(region.relay.relayId()))));
            boolean listed = region.primary.admin(j -> j.sismember(names.relayIndexKey(), region.relay.relayId()));
            assertTrue(listed, "the relay is listed in the primary's relay index");
            assertEquals(200, readiness(region.relay).statusCode());
        }
    }

    @Test
    @DisplayName("when the replica stops replicating, the probe no longer comes back: the relay reports pub/sub "
            + "down, replaces its connection, and recovers once replication is back")
    void brokenReplicationIsFoundByTheProbe() throws Exception {
        try (Region region = Region.start();
             WsTestClient client = region.subscribedOwner()) {
            client.awaitSync(SERVER);
            await().atMost(WsTestClient.WAIT).ignoreExceptions().until(() -> readiness(region.relay).statusCode() == 200);
            List<String> before = region.subscriberIds();

            region.replica.stopReplicating();
            await().atMost(SILENCE_LIMIT.plus(WsTestClient.WAIT)).ignoreExceptions().until(() -> {
                HttpResponse<String> r = readiness(region.relay);
                return r.statusCode() == 503 && r.body().contains("\"pubsub\":\"down\"")
                        && r.body().contains("\"redis\":\"up\"");
            });
            // Not ready for as long as replication stays broken, though the relay keeps subscribing anew: a
            // fresh subscription is not enough, the probe has to come back through it.
            await().during(SILENCE_LIMIT.plusSeconds(1)).atMost(SILENCE_LIMIT.plus(WsTestClient.WAIT))
                    .ignoreExceptions().until(() -> readiness(region.relay).statusCode() == 503);
            // The silent connection was given up and a new one opened on the same replica.
            await().atMost(SILENCE_LIMIT.plus(WsTestClient.WAIT))
                    .until(() -> !region.subscriberIds().isEmpty() && !region.subscriberIds().equals(before));
            assertTrue(client.isOpen(), "clients keep their sockets");

            region.replica.replicate(region.primary);
            await().atMost(SILENCE_LIMIT.plus(WsTestClient.WAIT)).ignoreExceptions()
                    .until(() -> readiness(region.relay).statusCode() == 200);
            client.takeReceived();
            client.awaitSync(SERVER);
        }
    }

    private static HttpResponse<String> readiness(RelayApp relay) throws Exception {
        return RelayFixture.get(relay.port(), "/health/ready", null);
    }

    /** A primary with the poller, a replica of it, and a relay reading pub/sub from the replica. */
    private static final class Region implements AutoCloseable {
        final String prefix = "region" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        final List<AutoCloseable> started = new ArrayList<>();
        PrivateRedis primary;
        PrivateRedis replica;
        RelayApp relay;

        static Region start() {
            Region region = new Region();
            try {
                region.primary = region.track(PrivateRedis.start());
                region.replica = region.track(PrivateRedis.start());
                region.replica.replicate(region.primary);
                await().atMost(WsTestClient.WAIT).until(region.replica::replicationLinkUp);
                Map<String, String> env = RelayFixture.environment(services.db(), region.primary.url(), region.prefix,
                        Map.of("POLL_INTERVAL_MS", INTERVAL_MS, "REDIS_SUBSCRIBE_URL", region.replica.url()));
                region.relay = region.track(RelayApp.create(RelayConfig.fromEnvironment(env)).start());
                region.track(Poller.create(PollerConfig.fromEnvironment(env)).start());
                return region;
            } catch (RuntimeException | Error e) {
                region.close();
                throw e;
            }
        }

        private <T extends AutoCloseable> T track(T resource) {
            started.add(resource);
            return resource;
        }

        /** The owner of {@link PanelFixtures#SERVER} on the relay, subscribed to it. */
        WsTestClient subscribedOwner() throws Exception {
            WsTestClient client = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
            assertTrue(client.next().contains("auth_success"));
            client.subscribe(SERVER);
            return client;
        }

        /** Ids of the connections in pub/sub mode on the replica. */
        List<String> subscriberIds() {
            return replica.admin(j -> j.clientList(ClientType.PUBSUB)).lines()
                    .filter(l -> l.startsWith("id=")).map(l -> l.substring(0, l.indexOf(' '))).toList();
        }

        @Override
        public void close() {
            RuntimeException failure = null;
            for (AutoCloseable c : started.reversed()) { // poller and relay first, the servers last
                try {
                    c.close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = new IllegalStateException("Closing the regional stack failed", e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
