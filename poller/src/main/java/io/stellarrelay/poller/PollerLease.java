package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which poller syncs which share of the servers, and which poll period is next: one lease per share
 * in Redis that its holder renews, plus per share the number of the last period run. Periods are
 * counted on Redis's clock ({@code floor(now / interval)}), so every poller agrees on them, and a
 * share's period is claimed at most once however pollers come and go: no server is synced by two
 * ticks in one period.
 *
 * <p>With one share (the default) this is one active poller and hot standbys. With N shares, live
 * pollers register in {@code {prefix}:pollers} at every claim, and each holds its fair number of
 * shares, {@code ceil(N / live pollers)}: it takes free shares (never claimed, released, or lapsed with
 * a dead poller) up to that number and gives back any above it, so the shares spread as pollers start
 * and are taken over when one dies.
 */
final class PollerLease {

    /**
     * What a claim found: the shares this poller now holds, those of them whose tick is due now (their
     * period marked as run), and, when none is due, how long until the next period starts.
     */
    record Claim(Set<Integer> held, Set<Integer> run, long waitMillis, long period) {
        boolean active() {
            return !held.isEmpty();
        }
    }

    // KEYS[1]: live pollers; KEYS[1 + i]: lease of share i; KEYS[1 + n + i]: last tick of share i.
    // ARGV: poller id, lease ms, interval ms, shares, first share to try.
    // Returns {held shares, shares to run now, ms until the next period, the current period}.
    private static final String CLAIM = """
            local id, lease, interval, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local fair = n
            if n > 1 then
              redis.call('ZADD', KEYS[1], now + lease, id)
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
              redis.call('PEXPIRE', KEYS[1], lease * 2)
              fair = math.ceil(n / redis.call('ZCARD', KEYS[1]))
            end
            local mine, free = {}, {}
            for k = 0, n - 1 do
              local i = (tonumber(ARGV[5]) + k) % n
              local holder = redis.call('GET', KEYS[2 + i])
              if holder == id then
                mine[#mine + 1] = i
              elseif not holder then
                free[#free + 1] = i
              end
            end
            while #mine > fair do
              redis.call('DEL', KEYS[2 + table.remove(mine)])
            end
            for _, i in ipairs(free) do
              if #mine >= fair then break end
              mine[#mine + 1] = i
            end
            local period = math.floor(now / interval)
            local run = {}
            for _, i in ipairs(mine) do
              redis.call('SET', KEYS[2 + i], id, 'PX', lease)
              local last = tonumber(redis.call('GET', KEYS[2 + n + i]) or '-1')
              if period > last then
                redis.call('SET', KEYS[2 + n + i], period, 'PX', 86400000)
                run[#run + 1] = i
              end
            end
            return {mine, run, (period + 1) * interval - now, period}
            """;

    // KEYS as for CLAIM. ARGV: poller id, shares. Gives up every share this poller holds.
    private static final String RELEASE = """
            for i = 0, tonumber(ARGV[2]) - 1 do
              if redis.call('GET', KEYS[2 + i]) == ARGV[1] then
                redis.call('DEL', KEYS[2 + i])
              end
            end
            redis.call('ZREM', KEYS[1], ARGV[1])
            return 0
            """;

    private final RedisCommands redis;
    private final String pollerId;
    private final long leaseMillis;
    private final long intervalMillis;
    private final int shares;
    private final List<String> keys = new ArrayList<>();
    private final List<String> leaseKeys = new ArrayList<>();
    /** Where this poller starts looking for a free share, so that pollers starting together spread out. */
    private final int firstShare;

    PollerLease(RedisCommands redis, RedisNames names, String pollerId, long intervalMillis, int shares) {
        this.redis = redis;
        this.pollerId = pollerId;
        this.intervalMillis = intervalMillis;
        this.shares = shares;
        // Renewed at every claim (a quarter interval apart): a dead poller is replaced within 1.75 intervals.
        this.leaseMillis = intervalMillis * 3 / 2;
        this.firstShare = Shares.of(pollerId, shares);
        keys.add(names.pollersKey());
        for (int i = 0; i < shares; i++) {
            leaseKeys.add(names.pollerLeaseKey(i, shares));
        }
        keys.addAll(leaseKeys);
        for (int i = 0; i < shares; i++) {
            keys.add(names.pollerLastTickKey(i, shares));
        }
    }

    int shares() {
        return shares;
    }

    @SuppressWarnings("unchecked")
    Claim claim() {
        List<Object> reply = (List<Object>) redis.eval(CLAIM, keys, List.of(pollerId, Long.toString(leaseMillis),
                Long.toString(intervalMillis), Integer.toString(shares), Integer.toString(firstShare)));
        return new Claim(shareSet(reply.get(0)), shareSet(reply.get(1)), (Long) reply.get(2), (Long) reply.get(3));
    }

    @SuppressWarnings("unchecked")
    private static Set<Integer> shareSet(Object list) {
        Set<Integer> result = new TreeSet<>();
        for (Object o : (List<Object>) list) {
            result.add(((Long) o).intValue());
        }
        return result;
    }

    /** Whether this poller still holds every one of {@code shareSet} (checked again just before publishing). */
    boolean holds(Set<Integer> shareSet) {
        if (shareSet.isEmpty()) {
            return false;
        }
        String[] wanted = shareSet.stream().map(leaseKeys::get).toArray(String[]::new);
        return redis.mget(wanted).stream().allMatch(pollerId::equals);
    }

    /** Gives every share up at once, so that other pollers take over without waiting for the leases to lapse. */
    void release() {
        redis.eval(RELEASE, keys, List.of(pollerId, Integer.toString(shares)));
    }
}
