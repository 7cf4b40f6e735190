package io.stellarrelay.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The parts of a service in the one order that matters: {@link #start} starts them in the order they
 * were added, {@link #close} stops the started ones in the reverse order, so no part is stopped while a
 * part started after it (which may use it) still runs. A part whose start fails stops everything
 * started before it, and the failure is passed on.
 *
 * <p>A {@linkplain #resource resource} is a part that is open from the moment it is created (a pool,
 * a client, a thread): it counts as started when it is added, and is closed in its turn, also when the
 * service is closed without ever starting. Stopping a part that fails is logged and the others are
 * still stopped.
 */
public final class Lifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** A start or a stop of a part. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private record Part(String name, Step start, Step stop) {}

    private final List<Part> toStart = new ArrayList<>();
    private final Deque<Part> running = new ArrayDeque<>();
    private boolean started;
    private boolean closed;

    /** Adds a resource that is open already; it is closed when the lifecycle stops. Returns it. */
    public synchronized <T extends AutoCloseable> T resource(String name, T resource) {
        requireNotStarted(name);
        running.push(new Part(name, null, resource::close));
        return resource;
    }

    /** Adds a part that {@link #start} starts with {@code start} and {@link #close} stops with {@code stop}. */
    public synchronized Lifecycle add(String name, Step start, Step stop) {
        requireNotStarted(name);
        toStart.add(new Part(name, start, stop));
        return this;
    }

    private void requireNotStarted(String name) {
        if (started || closed) {
            throw new IllegalStateException("'" + name + "' added after the lifecycle started");
        }
    }

    /**
     * Starts every part in the order added. When one fails, what was started (resources included) is
     * stopped in reverse and the failure is thrown: as it was when unchecked, else wrapped.
     */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException("a lifecycle starts once");
        }
        started = true;
        for (Part part : toStart) {
            try {
                part.start.run();
            } catch (RuntimeException | Error e) {
                stopAll(e);
                throw e;
            } catch (Exception e) {
                IllegalStateException failure =
                        new IllegalStateException("Starting " + part.name + " failed: " + e.getMessage(), e);
                stopAll(failure);
                throw failure;
            }
            running.push(part);
        }
    }

    /** Stops the started parts, the last started first. Later calls do nothing. */
    @Override
    public synchronized void close() {
        stopAll(null);
    }

    private void stopAll(Throwable startFailure) {
        closed = true;
        while (!running.isEmpty()) {
            Part part = running.pop();
            try {
                part.stop.run();
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                if (startFailure != null) {
                    startFailure.addSuppressed(e);
                } else {
                    log.warn("Stopping {} failed", part.name, e);
                }
            }
        }
    }
}
