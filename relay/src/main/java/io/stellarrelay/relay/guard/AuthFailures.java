package io.stellarrelay.relay.guard;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentication attempts per client address in a fixed window, to stop token guessing spread
 * over many connections. Memory is bounded: stale windows are dropped by {@link #prune}, and when the
 * table is full new addresses are refused outright (an attacker spraying addresses must not exhaust it).
 */
public final class AuthFailures {
    private static final int MAX_TRACKED = 100_000;

    private record Window(long startNanos, int failures) {}

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final int limit;
    private final long windowNanos;

    public AuthFailures(int limit, java.time.Duration window) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
    }

    /** True when {@code address} has used up its failures in the current window. */
    public boolean isBlocked(String address, long nowNanos) {
        Window w = windows.get(address);
        return w != null && nowNanos - w.startNanos < windowNanos && w.failures >= limit;
    }

    public void recordFailure(String address, long nowNanos) {
        if (windows.size() >= MAX_TRACKED && !windows.containsKey(address)) {
            prune(nowNanos);
            if (windows.size() >= MAX_TRACKED) {
                return;
            }
        }
        windows.compute(address, (a, w) -> w == null || nowNanos - w.startNanos >= windowNanos
                ? new Window(nowNanos, 1)
                : new Window(w.startNanos, w.failures + 1));
    }

    /** Drops windows that have ended. */
    public void prune(long nowNanos) {
        windows.values().removeIf(w -> nowNanos - w.startNanos >= windowNanos);
    }

    public int tracked() {
        return windows.size();
    }
}
