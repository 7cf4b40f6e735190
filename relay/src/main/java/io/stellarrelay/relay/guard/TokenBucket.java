package io.stellarrelay.relay.guard;

/**
 * A token bucket: {@code burst} messages at once, refilled at {@code perSecond}. Used from one thread at
 * a time (a socket's frames are handled in order), so it needs no locking.
 */
public final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastRefill;

    public TokenBucket(int perSecond, int burst, long nowNanos) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = nowNanos;
    }

    /** Takes one token; false when the bucket is empty. */
    public boolean tryTake(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastRefill) * perNano);
        lastRefill = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
