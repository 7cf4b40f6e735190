package io.stellarrelay.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One round of connection attempts (connect, authenticate, subscribe) over a set of clients: at most
 * {@code concurrency} in flight at once, each attempt settling exactly once as ready or failed.
 */
final class Phase {
    private final CountDownLatch remaining;
    private final Semaphore permits;
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private volatile long lastSettledNanos;

    Phase(int clients, int concurrency) {
        this.remaining = new CountDownLatch(clients);
        this.permits = new Semaphore(Math.max(1, concurrency));
    }

    /** Waits for a slot; false if none came before {@code deadlineNanos}. */
    boolean acquire(long deadlineNanos) throws InterruptedException {
        long wait = deadlineNanos - System.nanoTime();
        return wait > 0 && permits.tryAcquire(wait, TimeUnit.NANOSECONDS);
    }

    void settled(boolean ok, String reason) {
        if (ok) {
            ready.incrementAndGet();
        } else {
            failed.incrementAndGet();
            failures.computeIfAbsent(reason == null ? "unknown" : reason, k -> new AtomicInteger()).incrementAndGet();
        }
        lastSettledNanos = System.nanoTime();
        permits.release();
        remaining.countDown();
    }

    /** A client that was never started (the launch ran out of time). */
    void skipped() {
        failed.incrementAndGet();
        failures.computeIfAbsent("not started (launch timed out)", k -> new AtomicInteger()).incrementAndGet();
        remaining.countDown();
    }

    boolean awaitUntil(long deadlineNanos) throws InterruptedException {
        return remaining.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    int ready() {
        return ready.get();
    }

    int failed() {
        return failed.get();
    }

    long lastSettledNanos() {
        return lastSettledNanos;
    }

    Map<String, Integer> failures() {
        Map<String, Integer> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
