package io.stellarrelay.relay.websocket;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The frames of one socket that could not be written at once, bounded in bytes. Most sockets never
 * need it (a frame goes straight to the kernel), so the queue itself exists only while frames wait.
 * Frames queued while a write is in flight go out together in the next write, one gathering system
 * call for all of them.
 *
 * <p>Not thread-safe: the connection calls it under its own lock.
 */
final class Outbound {
    private final long limit;
    private ArrayDeque<ByteBuffer> queued;
    private long queuedBytes;
    private long inFlightBytes;

    /** @param limit most bytes queued and in flight together; beyond it frames are refused */
    Outbound(long limit) {
        this.limit = limit;
    }

    /** Nothing queued and nothing in flight: a frame may be written directly. */
    boolean isIdle() {
        return inFlightBytes == 0 && (queued == null || queued.isEmpty());
    }

    boolean hasQueued() {
        return queued != null && !queued.isEmpty();
    }

    boolean isWriting() {
        return inFlightBytes > 0;
    }

    /**
     * Queues {@code frame}, which from now on belongs to this queue; false (and nothing queued) when it
     * would take the socket past its limit.
     */
    boolean add(ByteBuffer frame) {
        int size = frame.remaining();
        if (queuedBytes + inFlightBytes + size > limit) {
            return false;
        }
        if (queued == null) {
            queued = new ArrayDeque<>(4);
        }
        queued.add(frame);
        queuedBytes += size;
        return true;
    }

    /** Queues a frame whatever the limit (a close frame must go out). */
    void addAlways(ByteBuffer frame) {
        if (queued == null) {
            queued = new ArrayDeque<>(2);
        }
        queued.add(frame);
        queuedBytes += frame.remaining();
    }

    /** Everything queued, to be written in one go; it counts as in flight until {@link #written}. */
    ByteBuffer[] takeAll() {
        ByteBuffer[] batch = queued.toArray(new ByteBuffer[0]);
        queued.clear();
        inFlightBytes += queuedBytes;
        queuedBytes = 0;
        return batch;
    }

    /** The write of the last {@link #takeAll} batch ended (written or failed). */
    void written() {
        inFlightBytes = 0;
        if (queued != null && queued.isEmpty()) {
            queued = null; // an idle socket keeps no queue
        }
    }

    /** Forgets frames not yet handed to a write (a socket being cut off will not read them). */
    void dropQueued() {
        queued = null;
        queuedBytes = 0;
    }

    /** Bytes queued or in flight. */
    long bytes() {
        return queuedBytes + inFlightBytes;
    }
}
