package io.stellarrelay.relay.hub;

import org.slf4j.Logger;

import java.util.HashMap;
import java.util.Map;

/**
 * Warnings about input from Redis that was dropped. Whatever publishes there could send a bad message
 * thousands of times a second; the log gets one line per kind of problem per interval, saying how many
 * more were dropped since the previous line.
 */
public final class DropWarnings {
    private final Logger log;
    private final long intervalNanos;
    /** Per kind (a fixed message), when the next line may be written and how many were dropped meanwhile. */
    private final Map<String, long[]> kinds = new HashMap<>(); // guarded by this

    public DropWarnings(Logger log, java.time.Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Counts a drop; logs {@code kind} and {@code channel} unless a line for this kind went out lately. */
    public void dropped(String kind, String channel, long nowNanos) {
        long suppressed;
        synchronized (this) {
            long[] state = kinds.computeIfAbsent(kind, k -> new long[] {nowNanos, 0});
            if (nowNanos - state[0] < 0) {
                state[1]++;
                return;
            }
            suppressed = state[1];
            state[0] = nowNanos + intervalNanos;
            state[1] = 0;
        }
        if (suppressed == 0) {
            log.warn("Dropped a message on {}: {}", channel, kind);
        } else {
            log.warn("Dropped a message on {}: {} ({} more like it dropped since the last warning)", channel, kind,
                    suppressed);
        }
    }
}
