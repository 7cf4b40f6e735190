package io.stellarrelay.relay.websocket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

/**
 * The frames of one socket that could not be written at once, bounded in bytes. Most sockets never
 * need it (a frame goes straight to the kernel), so the queue itself exists only while frames wait.
 * Everything queued goes out together, one gathering system call for all of it: written directly by
 * the thread that flushes, and what the kernel does not take then in an asynchronous write, during
 * which new frames queue for the next one.
 *
 * <p>Not thread-safe: the connection calls it under its own lock.
 */
final class Outbound {
    private final long limit;
    private ByteBuffer[] queued; // null while nothing is queued and nothing is in flight
    private int count;
    private long queuedBytes;
    private long inFlightBytes;

    /** @param limit most bytes queued and in flight together; beyond it frames are refused */
    Outbound(long limit) {
        this.limit = limit;
    }

    /** Nothing queued and nothing in flight: a frame may be written directly. */
    boolean isIdle() {
        return inFlightBytes == 0 && count == 0;
    }

    boolean hasQueued() {
        return count > 0;
    }

    boolean isWriting() {
        return inFlightBytes > 0;
    }

    /**
     * Queues {@code frame}, which from now on belongs to this queue; false (and nothing queued) when it
     * would take the socket past its limit.
     */
    boolean add(ByteBuffer frame) {
        if (queuedBytes + inFlightBytes + frame.remaining() > limit) {
            return false;
        }
        append(frame);
        return true;
    }

    /** Queues a frame whatever the limit (a close frame must go out). */
    void addAlways(ByteBuffer frame) {
        append(frame);
    }

    private void append(ByteBuffer frame) {
        if (queued == null) {
            queued = new ByteBuffer[4];
        } else if (count == queued.length) {
            queued = Arrays.copyOf(queued, count * 2);
        }
        queued[count++] = frame;
        queuedBytes += frame.remaining();
    }

    /**
     * Writes what is queued to {@code channel} in one (gathering) write, as far as the channel takes it
     * without waiting; what it does not take stays queued, in order.
     *
     * @return the bytes written
     */
    long writeTo(GatheringByteChannel channel) throws IOException {
        // One buffer goes to write(2), which needs no iovec set up as writev(2) does.
        long n = count == 1 ? channel.write(queued[0]) : channel.write(queued, 0, count);
        queuedBytes -= n;
        if (queuedBytes == 0) {
            dropQueued(); // all of it went: the usual case
            return n;
        }
        int done = 0;
        while (!queued[done].hasRemaining()) {
            done++;
        }
        System.arraycopy(queued, done, queued, 0, count - done);
        Arrays.fill(queued, count - done, count, null);
        count -= done;
        return n;
    }

    /** Everything queued, to be written in one go; it counts as in flight until {@link #written}. */
    ByteBuffer[] takeAll() {
        ByteBuffer[] batch = Arrays.copyOf(queued, count);
        Arrays.fill(queued, 0, count, null);
        count = 0;
        inFlightBytes += queuedBytes;
        queuedBytes = 0;
        return batch;
    }

    /** The write of the last {@link #takeAll} batch ended (written or failed). */
    void written() {
        inFlightBytes = 0;
        if (count == 0) {
            queued = null; // an idle socket keeps no queue
        }
    }

    /**
     * Forgets frames not yet handed to a write (a socket being cut off will not read them, or they are
     * written).
     */
    void dropQueued() {
        if (queued != null) {
            Arrays.fill(queued, 0, count, null);
        }
        count = 0;
        queuedBytes = 0;
        if (inFlightBytes == 0) {
            queued = null;
        }
    }

    /** Bytes queued or in flight. */
    long bytes() {
        return queuedBytes + inFlightBytes;
    }
}
