package io.stellarrelay.relay;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PrometheusText;
import io.stellarrelay.testing.ScratchServices;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.EXPIRED_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics} of a relay follows what its clients do, read back as Prometheus text. */
class RelayMetricsIT {
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private RelayApp relay;

    @AfterAll
    static void stopServices() {
    }

    /** A relay per test, so that gauges and counters start from zero. */
    @BeforeEach
    void startRelay() {
        relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of());
    }

    @AfterEach
    void stopRelay() {
        relay.close();
    }

    private PrometheusText scrape() {
        return PrometheusText.scrape(relay.port());
    }

    /** Scrapes until the metrics satisfy {@code condition}, and returns that scrape. */
    private PrometheusText awaitMetrics(Predicate<PrometheusText> condition) {
        PrometheusText[] last = {null};
        try {
            await().atMost(WsTestClient.WAIT).until(() -> {
                last[0] = scrape();
                return condition.test(last[0]);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("metrics never got there; last scrape: " + last[0].samples("stellar_relay_"), e);
        }
        return last[0];
    }

    /** A client authenticated by cookie and subscribed to {@code serverIds}. */
    private WsTestClient subscribed(String token, String... serverIds) throws Exception {
        WsTestClient client = WsTestClient.connect(relay.port(), cookieHeader(token));
        assertTrue(client.next().startsWith("{\"type\":\"auth_success\""));
        for (String serverId : serverIds) {
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"}");
            client.awaitMessage(m -> m.equals("{\"type\":\"subscribed\",\"serverId\":\"" + serverId + "\"}"));
        }
        return client;
    }

    private static String sync(String serverId) {
        return "{\"type\":\"server:sync\",\"serverId\":\"" + serverId + "\",\"data\":{}}";
    }

    @Test
    @DisplayName("connections, authenticated connections, subscriptions and watched servers follow the clients")
    void gaugesFollowTheClients() throws Exception {
        PrometheusText idle = scrape();
        assertEquals(0, idle.value("stellar_relay_connections"));
        assertEquals(0, idle.value("stellar_relay_subscriptions"));

        try (WsTestClient owner = subscribed(OWNER_TOKEN, SERVER);
             WsTestClient admin = subscribed(ADMIN_TOKEN, SERVER, OTHER_SERVER);
             WsTestClient anonymous = WsTestClient.connect(relay.port())) {
            assertEquals(List.of(), anonymous.drainUntilPong());
            PrometheusText busy = awaitMetrics(m -> m.value("stellar_relay_connections") == 3);
            assertEquals(2, busy.value("stellar_relay_connections_authenticated"));
            assertEquals(3, busy.value("stellar_relay_subscriptions"));
            assertEquals(2, busy.value("stellar_relay_watched_servers"));

            admin.close();
            PrometheusText after = awaitMetrics(m -> m.value("stellar_relay_connections") == 2);
            assertEquals(1, after.value("stellar_relay_connections_authenticated"));
            assertEquals(1, after.value("stellar_relay_subscriptions"));
            // The admin's other server has no watcher left, but stays subscribed for one poll interval.
            assertEquals(2, after.value("stellar_relay_watched_servers"));
            assertEquals(1, after.value("stellar_relay_closes_total", "code", "1000"));
            assertTrue(owner.isOpen());
        }
        PrometheusText gone = awaitMetrics(m -> m.value("stellar_relay_connections") == 0);
        assertEquals(0, gone.value("stellar_relay_connections_authenticated"));
        assertEquals(0, gone.value("stellar_relay_subscriptions"));
        assertEquals(3, gone.value("stellar_relay_closes_total", "code", "1000"));
    }

    @Test
    @DisplayName("every frame handed to a subscribed socket is counted as a delivery")
    void deliveriesAreCounted() throws Exception {
        String channel = new RedisNames(services.redis().prefix()).serverChannel(SERVER);
        try (WsTestClient first = subscribed(OWNER_TOKEN, SERVER);
             WsTestClient second = subscribed(ADMIN_TOKEN, SERVER)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), channel, 1);
            double before = scrape().value("stellar_relay_deliveries_total");
            int frames = 3;
            for (int i = 0; i < frames; i++) {
                services.redis().client().publish(channel, sync(SERVER));
            }
            for (int i = 0; i < frames; i++) {
                first.awaitSync(SERVER);
                second.awaitSync(SERVER);
            }
            awaitMetrics(m -> m.value("stellar_relay_deliveries_total") == before + 2 * frames);
            assertEquals(0, scrape().value("stellar_relay_deliveries_dropped_total"));
        }
    }

    @Test
    @DisplayName("failed authentications are counted by reason, and the close that follows by its code")
    void authFailuresAndClosesAreCounted() throws Exception {
        try (WsTestClient guesser = WsTestClient.connect(relay.port())) {
            for (int i = 0; i < 5; i++) { // MAX_AUTH_FAILURES_PER_CONNECTION, by default
                guesser.send("{\"type\":\"auth\",\"token\":\"guess-" + i + "\"}");
                assertEquals("{\"type\":\"auth_error\",\"error\":\"Invalid or expired session\"}", guesser.next());
            }
            assertEquals(4029, guesser.awaitClose());
        }
        try (WsTestClient stale = WsTestClient.connect(relay.port(), cookieHeader(EXPIRED_TOKEN))) {
            assertEquals(List.of(), stale.drainUntilPong());
        }
        PrometheusText metrics = awaitMetrics(m -> m.value("stellar_relay_closes_total", "code", "4029") == 1);
        assertEquals(5, metrics.value("stellar_relay_auth_failures_total", "reason", "invalid_session"));
        assertEquals(1, metrics.value("stellar_relay_auth_failures_total", "reason", "invalid_cookie_session"));
        assertEquals(0, metrics.value("stellar_relay_auth_failures_total", "reason", "address_blocked"));
        assertEquals(0, metrics.value("stellar_relay_closes_total", "code", "4001"));
    }

    @Test
    @DisplayName("probes through the control channel measure the pub/sub lag, and a lost connection counts a reconnect")
    void pubsubLagAndReconnects() {
        PrometheusText probed = awaitMetrics(m -> m.value("stellar_relay_pubsub_lag_seconds_count") >= 1);
        double sum = probed.value("stellar_relay_pubsub_lag_seconds_sum");
        assertTrue(sum > 0 && sum < WsTestClient.WAIT.toSeconds(), "a probe round trip of " + sum + " s");
        assertEquals(0, probed.value("stellar_relay_pubsub_reconnects_total"));

        // Only this relay's subscriber connection is dropped: the test Redis is shared with other tests.
        try (Jedis admin = new Jedis(URI.create(services.redis().url()))) {
            String name = "name=stellar-relay:" + relay.relayId() + " ";
            String line = admin.clientList(ClientType.PUBSUB).lines().filter(l -> l.contains(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no pub/sub connection of " + relay.relayId()));
            long id = Long.parseLong(line.replaceFirst("^id=(\\d+) .*", "$1"));
            assertEquals(1, admin.clientKill(new ClientKillParams().id(Long.toString(id))));
        }
        awaitMetrics(m -> m.value("stellar_relay_pubsub_reconnects_total") == 1);
    }
}
