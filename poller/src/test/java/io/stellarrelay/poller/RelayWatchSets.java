package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.TestRedis;

import java.util.Set;

/** Writes watch sets the way a live relay registers them, so poller tests need no relay. */
final class RelayWatchSets {
    private RelayWatchSets() {}

    static void register(TestRedis redis, String relayId, Set<String> serverIds) {
        RedisNames names = new RedisNames(redis.prefix());
        String key = names.relayWatchKey(relayId);
        redis.client().del(key);
        if (!serverIds.isEmpty()) {
            redis.client().sadd(key, serverIds.toArray(String[]::new));
            redis.client().pexpire(key, 60_000);
        }
        redis.client().sadd(names.relayIndexKey(), relayId);
    }
}
