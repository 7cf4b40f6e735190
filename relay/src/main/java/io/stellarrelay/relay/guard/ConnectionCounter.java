package io.stellarrelay.relay.guard;

import java.util.concurrent.ConcurrentHashMap;

/** Open connections per key (a client address, a user id), each capped at a limit. */
public final class ConnectionCounter {
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
    private final int limit;

    public ConnectionCounter(int limit) {
        this.limit = limit;
    }

    /** Counts one more connection for {@code key}; false (and nothing counted) when at the limit. */
    public boolean tryAcquire(String key) {
        boolean[] acquired = {false};
        counts.compute(key, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= limit) {
                return n;
            }
            acquired[0] = true;
            return current + 1;
        });
        return acquired[0];
    }

    public void release(String key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    public int limit() {
        return limit;
    }

    public int count(String key) {
        return counts.getOrDefault(key, 0);
    }

    /** Keys with at least one connection; entries vanish at zero, so this stays bounded by live sockets. */
    public int size() {
        return counts.size();
    }
}
