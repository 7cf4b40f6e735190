package io.stellarrelay.relay.hub;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PrivateRedis;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.args.ClientPauseMode;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sync requests of new subscribers, against a Redis of the test's own whose statistics count scripts. */
class LatestSyncsIT {

    @Test
    @DisplayName("a subscriber's sync request does not wait for Redis, and requests made while one is sent "
            + "go out together, in order, in one script run")
    void requestsNeitherWaitNorGoOneByOne() {
        RedisNames names = new RedisNames("ls");
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RedisCommands commands = new RedisConnector(RedisSettings.parse(redis.url()), "latest-syncs-it").newCommands(2)) {
            LatestSyncs latest = new LatestSyncs(new Hub(), commands, names, Duration.ofSeconds(5));
            List<String> servers = IntStream.range(0, 200).mapToObj(i -> "srv_" + i).toList();
            long scriptsBefore = redis.commandCalls("eval") + redis.commandCalls("evalsha");

            // Redis holds every write back (at most 10 s, should the test fail before it lets go).
            redis.admin(j -> j.clientPause(10_000, ClientPauseMode.WRITE));
            servers.forEach(latest::requestSync);
            assertEquals(0L, (long) redis.admin(j -> j.llen(names.syncRequestsKey())),
                    "every call returned while Redis held the first request back");
            redis.admin(j -> j.clientUnpause());

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> redis.admin(j -> j.llen(names.syncRequestsKey())) == servers.size());
            assertEquals(servers, redis.admin(j -> j.lrange(names.syncRequestsKey(), 0, -1)));
            long scripts = redis.commandCalls("eval") + redis.commandCalls("evalsha") - scriptsBefore;
            assertTrue(scripts <= 2, "the first request's run, then one for everything made meanwhile: " + scripts);
        }
    }
}
