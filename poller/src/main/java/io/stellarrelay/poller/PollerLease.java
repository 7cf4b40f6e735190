package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.UnifiedJedis;

import java.util.List;

/**
 * Which poller is active, and which poll period is next: a lease in Redis that the active poller
 * renews, plus the number of the last period run. Periods are counted on Redis's clock
 * ({@code floor(now / interval)}), so every poller agrees on them, and a period is claimed at most
 * once however pollers come and go: no tick runs twice for the same period.
 */
final class PollerLease {

    /** What a claim found. */
    sealed interface Claim {
        /** Another poller holds the lease. */
        record Standby() implements Claim {}

        /** This poller holds the lease and must run the tick of {@code period} now. */
        record Run(long period) implements Claim {}

        /** This poller holds the lease; the current period is done, the next starts in {@code waitMillis}. */
        record Wait(long waitMillis) implements Claim {}
    }

    // KEYS: lease, last tick. ARGV: poller id, lease ms, interval ms.
    private static final String CLAIM = """
            local holder = redis.call('GET', KEYS[1])
            if holder and holder ~= ARGV[1] then
              return {0, 0}
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local interval = tonumber(ARGV[3])
            local period = math.floor(now / interval)
            local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
            if period > last then
              redis.call('SET', KEYS[2], period, 'PX', 86400000)
              return {1, period}
            end
            return {2, (period + 1) * interval - now}
            """;

    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private final UnifiedJedis redis;
    private final RedisNames names;
    private final String pollerId;
    private final long leaseMillis;
    private final long intervalMillis;

    PollerLease(UnifiedJedis redis, RedisNames names, String pollerId, long intervalMillis) {
        this.redis = redis;
        this.names = names;
        this.pollerId = pollerId;
        this.intervalMillis = intervalMillis;
        // Renewed at every claim (a quarter interval apart): a dead poller is replaced within 1.75 intervals.
        this.leaseMillis = intervalMillis * 3 / 2;
    }

    @SuppressWarnings("unchecked")
    Claim claim() {
        List<Long> reply = (List<Long>) redis.eval(CLAIM, List.of(names.pollerLeaseKey(), names.pollerLastTickKey()),
                List.of(pollerId, Long.toString(leaseMillis), Long.toString(intervalMillis)));
        return switch (reply.get(0).intValue()) {
            case 0 -> new Claim.Standby();
            case 1 -> new Claim.Run(reply.get(1));
            default -> new Claim.Wait(reply.get(1));
        };
    }

    /** Whether this poller still holds the lease (checked again just before publishing). */
    boolean held() {
        return pollerId.equals(redis.get(names.pollerLeaseKey()));
    }

    /** Gives the lease up at once, so that a standby takes over without waiting for it to expire. */
    void release() {
        redis.eval(RELEASE, List.of(names.pollerLeaseKey()), List.of(pollerId));
    }
}
