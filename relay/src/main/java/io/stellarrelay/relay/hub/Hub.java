package io.stellarrelay.relay.hub;

import io.stellarrelay.relay.websocket.Frames;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Who on this relay watches which server. The first watcher of a server and the last one leaving are
 * reported to listeners, which keep Redis in line (the pub/sub subscription, the watch registration).
 *
 * <p>A server whose last watcher leaves can be kept a while longer ({@code linger}), still counted as
 * watched and with its latest sync, so a client that comes straight back (a page reload, a reconnect storm
 * after a network blip) finds it as it was: nothing to unsubscribe and subscribe again, no watch-set change,
 * no fetch of the current state. {@link #expireLingering} lets go of those whose time is up.
 *
 * <p>Watchers of a server are kept per delivery lane in arrays that are replaced on change, so delivery,
 * the hot path, reads them without locking. A frame is handed to each lane that has watchers of the
 * server once; the lane's thread writes it to those sockets.
 */
public final class Hub {

    /** Told when a server gains its first watcher or loses its last; must return quickly. */
    public interface Listener {
        void watchChanged(String serverId);
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Hub.class);
    private static final Watcher[] NONE = new Watcher[0];
    /**
     * Most watchers of one server in one lane that the delivering thread writes to itself. About the
     * cost of one hand-off (queue, wake-up, a thread switch) in socket writes.
     */
    static final int INLINE_FAN_OUT = 16;

    private final DeliveryLanes lanes;
    /** Per server, its watchers by lane; an entry whose lanes are all empty is a lingering server. */
    private final ConcurrentHashMap<String, Watcher[][]> watchers = new ConcurrentHashMap<>();
    /**
     * Lingering servers, with the time (nanoTime) until which they are kept. Only changed inside a
     * {@code watchers} compute for the same server, so the two maps agree for every server.
     */
    private final ConcurrentHashMap<String, Long> lingering = new ConcurrentHashMap<>();
    private final long lingerNanos;
    private final LongSupplier clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, ByteBuffer> latest = new ConcurrentHashMap<>();
    /** Watcher/server pairs, kept beside the map so that reading it never walks every server. */
    private final LongAdder subscriptions = new LongAdder();

    /** A hub that delivers on the calling thread. */
    public Hub() {
        this(DeliveryLanes.inline());
    }

    /** A hub that lets go of a server as soon as its last watcher leaves. */
    public Hub(DeliveryLanes lanes) {
        this(lanes, Duration.ZERO, System::nanoTime);
    }

    /**
     * @param linger how long a server stays watched after its last watcher left (zero: not at all)
     * @param clock  {@code System::nanoTime}, or a test's own
     */
    public Hub(DeliveryLanes lanes, Duration linger, LongSupplier clock) {
        this.lanes = lanes;
        this.lingerNanos = linger.toNanos();
        this.clock = clock;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Adds {@code watcher} to the server's watchers; adding twice is harmless. */
    public void watch(String serverId, Watcher watcher) {
        int lane = lanes.laneOf(watcher);
        boolean[] first = {false};
        boolean[] added = {false};
        watchers.compute(serverId, (id, current) -> {
            if (current == null) {
                first[0] = true;
                current = emptyLanes();
            } else {
                lingering.remove(id); // back before its time was up: watched all along
            }
            Watcher[] own = current[lane];
            for (Watcher w : own) {
                if (w == watcher) {
                    return current;
                }
            }
            added[0] = true;
            Watcher[][] next = current.clone();
            next[lane] = Arrays.copyOf(own, own.length + 1);
            next[lane][own.length] = watcher;
            return next;
        });
        if (added[0]) {
            subscriptions.increment();
        }
        if (first[0]) {
            notifyListeners(serverId);
        }
    }

    /** Removes {@code watcher} from the server's watchers; removing one that is not there is harmless. */
    public void unwatch(String serverId, Watcher watcher) {
        int lane = lanes.laneOf(watcher);
        boolean[] last = {false};
        boolean[] removed = {false};
        watchers.computeIfPresent(serverId, (id, current) -> {
            Watcher[] own = current[lane];
            int index = -1;
            for (int i = 0; i < own.length; i++) {
                if (own[i] == watcher) {
                    index = i;
                    break;
                }
            }
            if (index < 0) {
                return current;
            }
            removed[0] = true;
            Watcher[][] next = current.clone();
            if (own.length == 1) {
                next[lane] = NONE;
                if (count(next) > 0) {
                    return next;
                }
                if (lingerNanos > 0) {
                    lingering.put(id, clock.getAsLong() + lingerNanos); // kept, with its latest sync
                    return next;
                }
                last[0] = true;
                // Here, not after the compute: by then a new first watcher may have a newer sync kept.
                latest.remove(serverId);
                return null;
            }
            Watcher[] shrunk = new Watcher[own.length - 1];
            System.arraycopy(own, 0, shrunk, 0, index);
            System.arraycopy(own, index + 1, shrunk, index, own.length - index - 1);
            next[lane] = shrunk;
            return next;
        });
        if (removed[0]) {
            subscriptions.decrement();
        }
        if (last[0]) {
            notifyListeners(serverId);
        }
    }

    /**
     * Lets go of the lingering servers whose time is up: they are no longer watched, their latest sync is
     * dropped and listeners are told, as when a last watcher leaves without linger. Call it periodically.
     */
    public void expireLingering() {
        long now = clock.getAsLong();
        for (Map.Entry<String, Long> entry : lingering.entrySet()) {
            if (entry.getValue() - now > 0) {
                continue;
            }
            String serverId = entry.getKey();
            boolean[] gone = {false};
            watchers.computeIfPresent(serverId, (id, current) -> {
                Long until = lingering.get(id);
                if (until == null || until - now > 0 || count(current) > 0) {
                    return current; // watched again, or lingering anew since the entry was read
                }
                lingering.remove(id);
                latest.remove(id);
                gone[0] = true;
                return null;
            });
            if (gone[0]) {
                notifyListeners(serverId);
            }
        }
    }

    /** How long a server is kept after its last watcher left (zero: not at all). */
    public Duration linger() {
        return Duration.ofNanos(lingerNanos);
    }

    /** How many servers are kept after their last watcher left (for tests: no metric reads it). */
    int lingeringServerCount() {
        return lingering.size();
    }

    private Watcher[][] emptyLanes() {
        Watcher[][] empty = new Watcher[lanes.count()][];
        Arrays.fill(empty, NONE);
        return empty;
    }

    private static int count(Watcher[][] byLane) {
        int n = 0;
        for (Watcher[] lane : byLane) {
            n += lane.length;
        }
        return n;
    }

    /** {@link #deliver(String, ByteBuffer, boolean)} of a message that is not the server's state. */
    public int deliver(String serverId, ByteBuffer message) {
        return deliver(serverId, message, false);
    }

    /**
     * Hands one message to every watcher of the server; returns how many there were. The WebSocket frame
     * is built once here, header and all, and the same bytes go to every socket. A lane with few
     * watchers of the server and nothing pending is served on the calling thread (a hand-off costs more
     * than a few writes); larger fan-outs, or lanes with work queued (whose order must be kept), are
     * handed to the lane's thread.
     *
     * @param message the text payload (UTF-8), not changed
     * @param sync    the message is a {@code server:sync}: kept as the server's latest state for new watchers
     */
    public int deliver(String serverId, ByteBuffer message, boolean sync) {
        Watcher[][] byLane = watchers.get(serverId);
        if (byLane == null) {
            return 0;
        }
        // Built once a watcher or the kept state needs it: a lingering server has no watcher.
        ByteBuffer frame = null;
        if (sync) {
            frame = Frames.text(message);
            latest.put(serverId, frame);
        }
        int n = 0;
        for (int lane = 0; lane < byLane.length; lane++) {
            Watcher[] targets = byLane[lane];
            if (targets.length == 0) {
                continue;
            }
            if (frame == null) {
                frame = Frames.text(message);
            }
            n += targets.length;
            ByteBuffer shared = frame;
            if (targets.length <= INLINE_FAN_OUT && lanes.isIdle(lane)) {
                deliverTo(targets, shared);
            } else {
                lanes.execute(lane, () -> deliverTo(targets, shared));
            }
        }
        return n;
    }

    private static void deliverTo(Watcher[] targets, ByteBuffer frame) {
        // One view for all targets: each write moves its position, so it is rewound for the next socket.
        ByteBuffer view = frame.duplicate();
        int limit = frame.limit();
        for (Watcher w : targets) {
            view.limit(limit).position(0);
            try {
                w.deliver(view);
            } catch (RuntimeException e) {
                // One broken socket must not cost the others this frame.
                log.warn("Delivery to {} failed", w, e);
            }
        }
    }

    /** Runs {@code task} on the watcher's lane, after every frame handed to that lane before. */
    public void runInLane(Watcher watcher, Runnable task) {
        lanes.execute(lanes.laneOf(watcher), task);
    }

    /**
     * The last {@code server:sync} delivered for a watched server as a complete WebSocket frame, or null.
     * Read it through a duplicate.
     */
    public ByteBuffer latest(String serverId) {
        return latest.get(serverId);
    }

    /** True while the server has a watcher, or lingers after its last one. */
    public boolean isWatched(String serverId) {
        return watchers.containsKey(serverId);
    }

    /** A snapshot of every server with at least one watcher, or lingering after its last one. */
    public Set<String> watchedServers() {
        return Set.copyOf(watchers.keySet());
    }

    /** How many local sockets watch the server. */
    public int watcherCount(String serverId) {
        Watcher[][] byLane = watchers.get(serverId);
        return byLane == null ? 0 : count(byLane);
    }

    /** Servers with a watcher, lingering ones included. */
    public int watchedServerCount() {
        return watchers.size();
    }

    /** How many (socket, server) subscriptions there are, over all servers. */
    public long subscriptionCount() {
        return subscriptions.sum();
    }

    /** Frames waiting in the delivery lanes. */
    public int queuedDeliveries() {
        return lanes.queued();
    }

    private void notifyListeners(String serverId) {
        for (Listener l : listeners) {
            l.watchChanged(serverId);
        }
    }
}
