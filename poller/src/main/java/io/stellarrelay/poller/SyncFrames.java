package io.stellarrelay.poller;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code server:sync} frame last encoded for each server this poller syncs, with the allocation ids
 * it lists: a tick republishes these bytes for every server whose row it has no reason to read again,
 * so an unchanged server costs no query, no decoding and no encoding, and its frame is the very bytes a
 * fresh read would produce. Written by the publishing thread, read by the tick thread.
 */
final class SyncFrames {
    record Frame(byte[] bytes, List<String> allocationIds) {}

    private final Map<String, Frame> frames = new ConcurrentHashMap<>();

    Frame get(String serverId) {
        return frames.get(serverId);
    }

    boolean has(String serverId) {
        return frames.containsKey(serverId);
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    void put(String serverId, Frame frame) {
        frames.put(serverId, frame);
    }

    /** A server that is gone from the panel: no frame to republish. */
    void remove(String serverId) {
        frames.remove(serverId);
    }

    /** Drops the frames of servers this poller no longer syncs. */
    void removeIf(java.util.function.Predicate<String> gone) {
        frames.keySet().removeIf(gone);
    }

    /** The servers whose last frame lists one of {@code allocationIds}. */
    void listing(Set<String> allocationIds, Set<String> into) {
        if (allocationIds.isEmpty()) {
            return;
        }
        frames.forEach((server, frame) -> {
            for (String id : frame.allocationIds()) {
                if (allocationIds.contains(id)) {
                    into.add(server);
                    return;
                }
            }
        });
    }
}
