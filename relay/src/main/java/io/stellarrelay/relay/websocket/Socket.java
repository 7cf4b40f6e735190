package io.stellarrelay.relay.websocket;

import io.stellarrelay.relay.hub.Watcher;

import java.nio.ByteBuffer;

/**
 * What the application sees of one WebSocket: frames out, the ways to end it, and when the peer was last
 * heard. {@link SocketConnection} is the real one; tests use one in memory.
 */
public interface Socket extends Watcher {
    /** Writes a frame that belongs to this socket from now on (a reply); never blocks. */
    void send(ByteBuffer frame);

    /** Sends a ping; any frame from the peer, its pong included, counts as hearing from it. */
    void ping();

    /** Closes with {@code code}: the close frame follows what is queued, then the close handshake. */
    void close(int code, String reason);

    /** Like {@link #close}, but drops what is still queued: the peer is not reading. */
    void cutOff(int code, String reason);

    /** Drops the connection without a close handshake (a peer that stopped answering). */
    void disconnect();

    /** Ends a close handshake that has not finished within the grace period by {@code nowNanos}. */
    void expireClose(long nowNanos);

    long lastHeardNanos();

    /** Bytes queued and not yet written. */
    long bufferedBytes();
}
