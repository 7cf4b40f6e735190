package io.stellarrelay.relay;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server whose last watcher leaves stays subscribed and registered for one poll interval, so a client
 * that comes straight back costs Redis nothing; after that the relay lets go of it.
 */
class UnwatchLingerIT {
    private static final Duration INTERVAL = Duration.ofSeconds(2);

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();

    @Test
    @DisplayName("after the last watcher closes, the server stays subscribed and in the watch set for one poll "
            + "interval, a client coming back meanwhile finds it so, and once nobody is back it is given up")
    void lingersOneInterval() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        String channel = names.serverChannel(SERVER);
        try (RelayApp relay = RelayFixture.startRelay(services.db(), services.redis(),
                Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL.toMillis())))) {
            String watchKey = names.relayWatchKey(relay.relayId());
            try (WsTestClient first = watching(relay)) {
                RelayFixture.awaitChannelSubscribers(services.redis(), channel, 1);
                await().atMost(WsTestClient.WAIT).until(() -> services.redis().client().sismember(watchKey, SERVER));
            }
            await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 0);
            long closedAt = System.nanoTime();

            // For the first half of the interval nothing changes in Redis (without linger, the unsubscribe and
            // the watch-set removal follow the close within milliseconds).
            await().during(INTERVAL.dividedBy(2)).atMost(INTERVAL)
                    .until(() -> services.redis().subscribers(channel) == 1
                            && services.redis().client().sismember(watchKey, SERVER));
            assertEquals(1, relay.watchedServerCount());
            assertEquals(0, relay.watcherCount(SERVER));

            try (WsTestClient back = watching(relay)) {
                assertTrue(System.nanoTime() - closedAt < INTERVAL.toNanos(), "came back within the interval");
                assertEquals(1, relay.watcherCount(SERVER));
                // Watched again: it outlives the first linger.
                await().during(INTERVAL.multipliedBy(3).dividedBy(2)).atMost(INTERVAL.multipliedBy(3))
                        .until(() -> services.redis().subscribers(channel) == 1
                                && services.redis().client().sismember(watchKey, SERVER));
            }
            await().atMost(INTERVAL.plus(WsTestClient.WAIT)).until(() -> relay.watchedServerCount() == 0
                    && services.redis().subscribers(channel) == 0
                    && !services.redis().client().sismember(watchKey, SERVER));
        }
    }

    private static WsTestClient watching(RelayApp relay) throws Exception {
        return WsTestClient.connect(relay.port()).authenticate(OWNER_TOKEN).subscribe(SERVER);
    }
}
