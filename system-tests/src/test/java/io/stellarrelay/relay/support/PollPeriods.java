package io.stellarrelay.relay.support;

import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/**
 * The poller's clock, as fault tests see it: poll periods are numbered on Redis's clock
 * ({@code floor(now / interval)}) and the active poller ticks right at each period's start, so in the
 * middle of a period the last tick has been delivered and the next is half an interval away. Counts
 * taken there ({@link #quietly}) compare exactly with the number of ticks.
 */
public final class PollPeriods {
    private final RedisClient redis;
    private final RedisNames names;
    private final long intervalMillis;

    public PollPeriods(RedisClient redis, RedisNames names, long intervalMillis) {
        this.redis = redis;
        this.names = names;
        this.intervalMillis = intervalMillis;
    }

    /** Redis's clock, in milliseconds. */
    public long nowMillis() {
        List<?> time = (List<?>) redis.sendCommand(Protocol.Command.TIME);
        long seconds = Long.parseLong(new String((byte[]) time.get(0), StandardCharsets.US_ASCII));
        long micros = Long.parseLong(new String((byte[]) time.get(1), StandardCharsets.US_ASCII));
        return seconds * 1000 + micros / 1000;
    }

    public long currentPeriod() {
        return Math.floorDiv(nowMillis(), intervalMillis);
    }

    /** How far into the current period Redis's clock is, from 0 to 1. */
    public double phase() {
        return (double) Math.floorMod(nowMillis(), intervalMillis) / intervalMillis;
    }

    /** The number of the last period a poller claimed ({@code {prefix}:poller:last-tick}), or -1. */
    public long lastTick() {
        String value = redis.get(names.pollerLastTickKey());
        return value == null ? -1 : Long.parseLong(value);
    }

    /**
     * Runs {@code snapshot} in the quiet middle of a poll period, and again at a later period should a
     * tick have been claimed while it ran or the period ended before it finished. {@code snapshot} must
     * be safe to repeat (counting through ping barriers is: counts are cumulative).
     */
    public <T> T quietly(Callable<T> snapshot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMillis(intervalMillis * 10).toNanos();
        while (System.nanoTime() < deadline) {
            await().atMost(Duration.ofMillis(intervalMillis * 3)).pollInterval(Duration.ofMillis(5))
                    .until(() -> phase() >= 0.3 && phase() <= 0.55);
            long claimed = lastTick();
            T result = snapshot.call();
            if (lastTick() == claimed && phase() <= 0.8) {
                return result;
            }
        }
        throw new AssertionError("no quiet moment within " + intervalMillis * 10 + " ms");
    }
}
