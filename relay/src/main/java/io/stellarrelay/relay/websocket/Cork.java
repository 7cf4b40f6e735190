package io.stellarrelay.relay.websocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * Holds back the shared frames one thread delivers until it {@link #flush flushes}, so that a socket given
 * several frames in one batch of work gets them in one gathering write (one system call, one TCP segment)
 * instead of one each. The write, not the frame, is what a delivery costs: on a busy relay the kernel's
 * send path is most of the CPU.
 *
 * <p>The thread that reads Redis opens one for its lifetime; it holds frames only while more input is
 * already waiting behind the message it handles, and flushes when the input runs dry, the way an event
 * loop corks its sockets for one turn; a delivery lane holds while tasks wait behind the current one. A
 * message that arrives alone is written at once, as without a cork: holding costs a little (the frame is
 * queued), so it is only done where it can save writes. A held frame sits in the socket's own outbound
 * queue, so anything written to that socket later, from any thread, goes out after it: holding never
 * reorders a socket's frames, and a write by a thread that is not holding sends the held frames along.
 *
 * <p>Confined to the thread that opened it.
 */
public final class Cork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cork.class);
    private static final ThreadLocal<Cork> OPEN = new ThreadLocal<>();

    private final int maxHeldFrames;
    private SocketConnection[] held = new SocketConnection[16];
    private int sockets;
    private int frames;
    private boolean holding = true;

    private Cork(int maxHeldFrames) {
        this.maxHeldFrames = maxHeldFrames;
    }

    /**
     * Opens a cork on the calling thread: shared frames it delivers are held until {@link #flush}.
     *
     * @param maxHeldFrames where {@link #flushIfFull} flushes: bounds how late a frame can be while the work
     *                      never runs out, and how much a batch keeps referenced (frames are shared, not copied)
     */
    public static Cork open(int maxHeldFrames) {
        if (maxHeldFrames < 1) {
            throw new IllegalArgumentException("a cork holds at least one frame");
        }
        if (OPEN.get() != null) {
            throw new IllegalStateException("A cork is already open on " + Thread.currentThread().getName());
        }
        Cork cork = new Cork(maxHeldFrames);
        OPEN.set(cork);
        return cork;
    }

    /** The calling thread's cork if it is holding frames now, else null. */
    static Cork current() {
        Cork cork = OPEN.get();
        return cork != null && cork.holding ? cork : null;
    }

    /**
     * Whether frames delivered from now on are held (the default) or written at once. Frames already held
     * stay held until the next {@link #flush}.
     */
    public void holding(boolean hold) {
        holding = hold;
    }

    /** A socket now holds frames for this cork; called once per socket until the next flush. */
    void hold(SocketConnection socket) {
        if (sockets == held.length) {
            held = Arrays.copyOf(held, sockets * 2);
        }
        held[sockets++] = socket;
    }

    /** One more frame held. */
    void counted() {
        frames++;
    }

    /** Frames held since the last flush. */
    public int heldFrames() {
        return frames;
    }

    /** Flushes once the batch has reached its bound; for a batch whose end may be far off. */
    public void flushIfFull() {
        if (frames >= maxHeldFrames) {
            flush();
        }
    }

    /** Writes everything held, one gathering write per socket. */
    public void flush() {
        for (int i = 0; i < sockets; i++) {
            SocketConnection socket = held[i];
            held[i] = null;
            try {
                socket.release();
            } catch (RuntimeException e) {
                // One broken socket must not keep the others' frames back.
                log.warn("Writing held frames to {} failed", socket, e);
            }
        }
        sockets = 0;
        frames = 0;
    }

    /** Flushes and closes the cork; the thread writes directly again. */
    @Override
    public void close() {
        try {
            flush();
        } finally {
            OPEN.remove();
        }
    }
}
