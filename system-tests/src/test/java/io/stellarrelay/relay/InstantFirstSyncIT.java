package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new subscriber gets the server's current state right after {@code subscribed}, not at the next
 * tick. The poller here runs one tick by hand and never again, so only that path can deliver.
 */
class InstantFirstSyncIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();

    private static WsTestClient subscribed(RelayApp relay, String token) throws Exception {
        WsTestClient client = WsTestClient.connect(relay.port(), cookieHeader(token));
        client.next();
        client.subscribe(SERVER);
        return client;
    }

    @Test
    @DisplayName("after a tick, a subscriber gets the latest sync at once, on a relay that already watches the "
            + "server and on one that does not")
    void latestStateRightAfterSubscribed() throws Exception {
        Map<String, String> env = Map.of("POLL_INTERVAL_MS", "60000");
        try (RelayApp watching = RelayFixture.startRelay(services.db(), services.redis(), env);
             RelayApp other = RelayFixture.startRelay(services.db(), services.redis(), env);
             Poller poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(), env)));
             WsTestClient first = subscribed(watching, OWNER_TOKEN)) {
            assertEquals(List.of(), first.drainUntilPong(), "nothing was published yet");
            await().atMost(WsTestClient.WAIT).until(() -> poller.tick().published() == 1);
            String sync = first.awaitSync(SERVER);

            try (WsTestClient sameRelay = subscribed(watching, MEMBER_TOKEN);
                 WsTestClient otherRelay = subscribed(other, ADMIN_TOKEN)) {
                assertEquals(sync, sameRelay.next(), "from the relay's own last delivery");
                assertEquals(sync, otherRelay.next(), "from the copy the poller left in Redis");
            }
        }
    }

    @Test
    @DisplayName("a subscriber to a server nobody watched gets its first sync at once: the relay asks the poller")
    void coldServerIsSyncedOnRequest() throws Exception {
        Map<String, String> env = Map.of("POLL_INTERVAL_MS", "3600000");
        try (RelayApp relay = RelayFixture.startRelay(services.db(), services.redis(), env);
             Poller poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(), env)))
                     .start()) {
            // The start-up tick found nothing watched; the next one is an hour away.
            await().atMost(WsTestClient.WAIT).until(() -> poller.isActive() && poller.ticksRun() == 1);
            long begin = System.nanoTime();
            try (WsTestClient client = subscribed(relay, OWNER_TOKEN)) {
                String sync = client.awaitSync(SERVER);
                Duration took = Duration.ofNanos(System.nanoTime() - begin);
                assertTrue(sync.contains("\"serverId\":\"" + SERVER + "\""), sync);
                assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "first sync after " + took);
                assertEquals(1, poller.ticksRun(), "no tick ran in between");
            }
        }
    }
}
