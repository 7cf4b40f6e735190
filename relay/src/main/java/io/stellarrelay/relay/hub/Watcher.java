package io.stellarrelay.relay.hub;

import java.nio.ByteBuffer;

/** Something that receives frames for the servers it watches: in production, one client socket. */
public interface Watcher {
    /**
     * Sends one complete WebSocket frame (header and payload), the same bytes for every watcher. {@code frame}
     * is the caller's view of it, valid during the call: the watcher may move its position (writing it), and
     * keeps a slice if it must keep anything. Must not block.
     */
    void deliver(ByteBuffer frame);

    /**
     * What decides the delivery lane: watchers that stand for one socket return that socket, so all its
     * frames share one lane and keep their order.
     */
    default Object laneKey() {
        return this;
    }
}
