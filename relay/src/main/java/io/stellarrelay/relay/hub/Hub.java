package io.stellarrelay.relay.hub;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who on this relay watches which server. The first watcher of a server and the last one leaving are
 * reported to listeners, which keep Redis in line (the pub/sub subscription, the watch registration).
 *
 * <p>Watchers of a server are kept in an array that is replaced on change, so delivery, the hot path,
 * reads it without locking or allocating.
 */
public final class Hub {

    /** Told when a server gains its first watcher or loses its last; must return quickly. */
    public interface Listener {
        void watchChanged(String serverId);
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Hub.class);
    private static final Watcher[] NONE = new Watcher[0];

    private final ConcurrentHashMap<String, Watcher[]> watchers = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, ByteBuffer> latest = new ConcurrentHashMap<>();
    private static final byte[] SYNC_PREFIX = "{\"type\":\"server:sync\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Adds {@code watcher} to the server's watchers; adding twice is harmless. */
    public void watch(String serverId, Watcher watcher) {
        boolean[] first = {false};
        watchers.compute(serverId, (id, current) -> {
            if (current == null) {
                first[0] = true;
                return new Watcher[] {watcher};
            }
            for (Watcher w : current) {
                if (w == watcher) {
                    return current;
                }
            }
            Watcher[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = watcher;
            return grown;
        });
        if (first[0]) {
            notifyListeners(serverId);
        }
    }

    /** Removes {@code watcher} from the server's watchers; removing one that is not there is harmless. */
    public void unwatch(String serverId, Watcher watcher) {
        boolean[] last = {false};
        watchers.computeIfPresent(serverId, (id, current) -> {
            int index = -1;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == watcher) {
                    index = i;
                    break;
                }
            }
            if (index < 0) {
                return current;
            }
            if (current.length == 1) {
                last[0] = true;
                return null;
            }
            Watcher[] shrunk = new Watcher[current.length - 1];
            System.arraycopy(current, 0, shrunk, 0, index);
            System.arraycopy(current, index + 1, shrunk, index, current.length - index - 1);
            return shrunk;
        });
        if (last[0]) {
            latest.remove(serverId);
            notifyListeners(serverId);
        }
    }

    /** Hands one frame to every watcher of the server; returns how many there were. */
    public int deliver(String serverId, ByteBuffer frame) {
        Watcher[] targets = watchers.getOrDefault(serverId, NONE);
        if (targets.length > 0 && isSync(frame)) {
            latest.put(serverId, frame);
        }
        for (Watcher w : targets) {
            try {
                w.deliver(frame);
            } catch (RuntimeException e) {
                // One broken socket must not cost the others this frame.
                log.warn("Delivery to {} failed", w, e);
            }
        }
        return targets.length;
    }

    /** The last {@code server:sync} delivered for a watched server, or null. Read it through a duplicate. */
    public ByteBuffer latest(String serverId) {
        return latest.get(serverId);
    }

    private static boolean isSync(ByteBuffer frame) {
        if (frame.remaining() < SYNC_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < SYNC_PREFIX.length; i++) {
            if (frame.get(frame.position() + i) != SYNC_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    public boolean isWatched(String serverId) {
        return watchers.containsKey(serverId);
    }

    /** A snapshot of every server with at least one watcher. */
    public Set<String> watchedServers() {
        return Set.copyOf(watchers.keySet());
    }

    /** How many local sockets watch the server. */
    public int watcherCount(String serverId) {
        return watchers.getOrDefault(serverId, NONE).length;
    }

    public int watchedServerCount() {
        return watchers.size();
    }

    private void notifyListeners(String serverId) {
        for (Listener l : listeners) {
            l.watchChanged(serverId);
        }
    }
}
