package io.stellarrelay.relay.broker;

import io.stellarrelay.lifecycle.Fatal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps some state outside the relay (a Redis subscription, a Redis set) in line with a hub, on one
 * background thread that applies changes in batches. The thread is the only writer of that outside
 * state, so its owner needs no locking of its own: the owner tells the mirror which keys changed and
 * gives it the three steps, which the mirror's thread runs.
 *
 * <p>Changes are only keys (server ids, or whatever names the owner mirrors them as); what to do is
 * decided when the batch is applied, from the hub's state at that moment, so a server that came and
 * went in between costs nothing. After a failure, or when asked, the whole state is rebuilt from the hub.
 */
final class HubMirror implements AutoCloseable {
    /** Applies changes for these keys; the owner looks each one up in its hub to know which way it went. */
    @FunctionalInterface
    interface Apply {
        void apply(Set<String> changed) throws Exception;
    }

    /** A step on the mirror's thread that may fail; the mirror then rebuilds and retries. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private static final String RESYNC = new String("resync"); // identity marker, never a server id
    private static final int MAX_BATCH = 4096;

    private static final Logger log = LoggerFactory.getLogger(HubMirror.class);
    private final Apply apply;
    private final Step resync;
    private final Step onIdle;
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Duration idlePeriod;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean failing;

    /**
     * @param apply      applies a batch of changed keys
     * @param resync     rebuilds the whole outside state from the hub
     * @param idlePeriod {@code onIdle} runs at least this often
     * @param onIdle     periodic work (lease renewal, probes)
     */
    HubMirror(String threadName, Apply apply, Step resync, Duration idlePeriod, Step onIdle) {
        this.apply = apply;
        this.resync = resync;
        this.idlePeriod = idlePeriod;
        this.onIdle = onIdle;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Queues a key whose state may have changed, for the next batch. */
    void changed(String key) {
        queue.add(key);
    }

    /** Asks for a full rebuild from the hub's state. */
    void requestResync() {
        queue.add(RESYNC);
    }

    private void run() {
        long nextIdle = System.nanoTime() + idlePeriod.toNanos();
        Backoff backoff = new Backoff();
        List<String> batch = new ArrayList<>();
        while (running) {
            try {
                long waitNanos = Math.max(0, nextIdle - System.nanoTime());
                String first = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (!running) {
                    break;
                }
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH);
                    boolean full = false;
                    Set<String> changed = new HashSet<>();
                    for (String id : batch) {
                        if (id == RESYNC) {
                            full = true;
                        } else {
                            changed.add(id);
                        }
                    }
                    batch.clear();
                    if (full) {
                        queue.removeIf(id -> id != RESYNC); // covered by the full rebuild
                        resync.run();
                    } else {
                        apply.apply(changed);
                    }
                }
                if (System.nanoTime() >= nextIdle) {
                    nextIdle = System.nanoTime() + idlePeriod.toNanos();
                    onIdle.run();
                }
                if (failing) {
                    log.info("{} recovered", thread.getName());
                    failing = false;
                }
                backoff.reset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                batch.clear();
                if (!failing) {
                    log.warn("{} failed, will rebuild from the hub and retry: {}", thread.getName(), e.toString());
                    failing = true;
                }
                // Everything queued is covered by the rebuild; dropping it keeps an outage from piling up.
                queue.clear();
                requestResync();
                pauseQuietly(backoff);
            }
        }
    }

    private void pauseQuietly(Backoff backoff) {
        try {
            backoff.pause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
