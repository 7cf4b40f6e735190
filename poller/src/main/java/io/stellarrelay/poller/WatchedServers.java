package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.UnifiedJedis;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the union of every live relay's watch set, in one atomic script: relays whose set has expired
 * (crashed, or cut off from Redis for longer than their lease) are dropped from the index on the way.
 * All keys share one hash tag, so this also runs on Redis Cluster.
 */
final class WatchedServers {
    private static final String SCRIPT = """
            local ids = redis.call('SMEMBERS', KEYS[1])
            local live = {}
            for _, id in ipairs(ids) do
              local key = ARGV[1] .. id .. ARGV[2]
              if redis.call('EXISTS', key) == 1 then
                live[#live + 1] = key
              else
                redis.call('SREM', KEYS[1], id)
              end
            end
            if #live == 0 then
              return {}
            end
            return redis.call('SUNION', unpack(live))
            """;

    private final UnifiedJedis redis;
    private final RedisNames names;

    WatchedServers(UnifiedJedis redis, RedisNames names) {
        this.redis = redis;
        this.names = names;
    }

    @SuppressWarnings("unchecked")
    Set<String> read() {
        Object result = redis.eval(SCRIPT, List.of(names.relayIndexKey()),
                List.of(names.relayWatchKeyPrefix(), names.relayWatchKeySuffix()));
        return new HashSet<>((List<String>) result);
    }
}
