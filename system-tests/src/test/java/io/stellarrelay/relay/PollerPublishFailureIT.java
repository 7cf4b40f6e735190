package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.relay.support.PrivateRedis;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.PrometheusText;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Redis refusing the poller's PUBLISH (here an ACL; in production also OOM or a read-only replica)
 * answers inside the pipeline, not as an exception: the poller must still see it, count it and fail
 * the tick. Runs on a private redis-server, since ACL users are global to a server.
 */
class PollerPublishFailureIT {

    @Test
    @DisplayName("publishes that Redis refuses are counted as publish failures and fail the tick")
    void refusedPublishesAreCounted() throws Exception {
        try (PrivateRedis server = PrivateRedis.start();
             TestRedis redis = TestRedis.create(server.url());
             TestDatabase db = TestDatabase.create()) {
            PanelFixtures.load(db);
            server.aclSetUser("poller", "on", ">poller-password", "~*", "&*", "+@all", "-publish");
            redis.relayWatches("r1", Set.of(SERVER, OTHER_SERVER));
            Map<String, String> env = RelayFixture.environment(db, redis, Map.of(
                    "REDIS_URL", "redis://poller:poller-password@127.0.0.1:" + server.port(),
                    "POLL_INTERVAL_MS", "200"));
            try (Poller poller = Poller.create(PollerConfig.fromEnvironment(env)).start()) {
                await().atMost(WsTestClient.WAIT).until(() -> PrometheusText.scrape(poller.healthPort())
                        .value("stellar_poller_ticks_total", "outcome", "failed") >= 2);
                PrometheusText metrics = PrometheusText.scrape(poller.healthPort());
                assertEquals(0, metrics.value("stellar_poller_ticks_total", "outcome", "published"));
                assertEquals(0, metrics.value("stellar_poller_syncs_published_total"));
                // Both servers' publishes are refused in every failed tick (give or take the tick being counted).
                double failed = metrics.value("stellar_poller_ticks_total", "outcome", "failed");
                double refused = metrics.value("stellar_poller_publish_failures_total");
                assertEquals(2 * failed, refused, 2.0, "refused publishes in " + failed + " failed ticks");
            }
        }
    }
}
