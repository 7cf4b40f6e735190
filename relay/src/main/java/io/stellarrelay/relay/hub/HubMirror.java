package io.stellarrelay.relay.hub;

import io.stellarrelay.lifecycle.Fatal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Keeps some state outside the relay (a Redis subscription, a Redis set) in line with the {@link Hub},
 * on one background thread that applies changes in batches. The thread is the only writer of that
 * outside state, so implementations need no locking of their own.
 *
 * <p>Changes are only keys (server ids, or whatever names a subclass mirrors them as); what to do is
 * decided when the batch is applied, from the hub's state at that moment, so a server that came and
 * went in between costs nothing. After a failure, or when asked, the whole state is rebuilt from the hub.
 */
abstract class HubMirror implements AutoCloseable {
    private static final String RESYNC = new String("resync"); // identity marker, never a server id
    private static final int MAX_BATCH = 4096;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Hub hub;
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Duration idlePeriod;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean failing;

    /** @param idlePeriod {@link #onIdle()} runs at least this often */
    HubMirror(Hub hub, String threadName, Duration idlePeriod) {
        this.hub = hub;
        this.idlePeriod = idlePeriod;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
    }

    void start() {
        listen();
        thread.start();
    }

    /** Registers for the hub changes to mirror; by default every server gaining or losing watchers. */
    protected void listen() {
        hub.addListener(this::changed);
    }

    /** Queues a key whose state may have changed, for the next batch. */
    protected final void changed(String key) {
        queue.add(key);
    }

    /** Every key the outside state should hold now; by default the servers the hub watches. */
    protected Set<String> wanted() {
        return hub.watchedServers();
    }

    /** Asks for a full rebuild from the hub's state. */
    public final void requestResync() {
        queue.add(RESYNC);
    }

    /** Applies changes for these keys; look each one up in {@link #hub} to know which way it went. */
    protected abstract void apply(Set<String> changed) throws Exception;

    /** Rebuilds the whole outside state from {@code wanted}, a snapshot of {@link #wanted()}. */
    protected abstract void resync(Set<String> wanted) throws Exception;

    /** Periodic work (lease renewal, probes); runs on the mirror's thread. */
    protected void onIdle() throws Exception {}

    private void run() {
        long nextIdle = System.nanoTime() + idlePeriod.toNanos();
        long backoffMs = 100;
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
                        resync(wanted());
                    } else {
                        apply(changed);
                    }
                }
                if (System.nanoTime() >= nextIdle) {
                    nextIdle = System.nanoTime() + idlePeriod.toNanos();
                    onIdle();
                }
                if (failing) {
                    log.info("{} recovered", thread.getName());
                    failing = false;
                }
                backoffMs = 100;
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
                // Exponential backoff with jitter, never longer than the cap.
                sleepQuietly(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private void sleepQuietly(long millis) {
        try {
            // Backoff between retries against an unreachable Redis; not a synchronisation.
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    protected final boolean isRunning() {
        return running;
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
