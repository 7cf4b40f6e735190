package io.stellarrelay.relay.hub;

import java.nio.ByteBuffer;

/** Something that receives frames for the servers it watches: in production, one client socket. */
public interface Watcher {
    /**
     * Sends one complete, already encoded UTF-8 text frame. {@code frame} is shared by every watcher of
     * the server: read it through a duplicate, never change it. Must not block.
     */
    void deliver(ByteBuffer frame);
}
