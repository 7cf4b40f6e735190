package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which servers live relays watch, read with atomic scripts over every relay's watch set: relays whose
 * set has expired (crashed, or cut off from Redis for longer than their lease) are dropped from the
 * index on the way. All keys share one hash tag, so this also runs on Redis Cluster.
 */
final class WatchedServers {
    // Leaves the watch sets of the relays still alive in `live`.
    private static final String LIVE_SETS = """
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
            """;

    private static final String UNION = LIVE_SETS + """
            if #live == 0 then
              return {}
            end
            return redis.call('SUNION', unpack(live))
            """;

    // ARGV[3..]: the candidate server ids; returns those that some live relay watches.
    private static final String FILTER = LIVE_SETS + """
            local watched = {}
            for i = 3, #ARGV do
              for _, key in ipairs(live) do
                if redis.call('SISMEMBER', key, ARGV[i]) == 1 then
                  watched[#watched + 1] = ARGV[i]
                  break
                end
              end
            end
            return watched
            """;

    private final RedisCommands redis;
    private final RedisNames names;

    WatchedServers(RedisCommands redis, RedisNames names) {
        this.redis = redis;
        this.names = names;
    }

    /** Every server some live relay watches. */
    Set<String> read() {
        return run(UNION, List.of());
    }

    /** Those of {@code candidates} that some live relay watches: no union of every set for a few ids. */
    Set<String> filter(Collection<String> candidates) {
        return candidates.isEmpty() ? Set.of() : run(FILTER, candidates);
    }

    @SuppressWarnings("unchecked")
    private Set<String> run(String script, Collection<String> extraArgs) {
        List<String> args = new ArrayList<>(2 + extraArgs.size());
        args.add(names.relayWatchKeyPrefix());
        args.add(names.relayWatchKeySuffix());
        args.addAll(extraArgs);
        return new HashSet<>((List<String>) redis.eval(script, List.of(names.relayIndexKey()), args));
    }
}
