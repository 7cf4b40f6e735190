package io.stellarrelay.relay.websocket;

import io.stellarrelay.lifecycle.Fatal;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client WebSocket on one TCP connection, directly on Jetty's endpoint: frames in through a
 * {@link FrameReader}, messages to a {@link SocketHandler}, frames out as ready-made bytes.
 *
 * <p>Writing: a frame is written to the socket at once by whichever thread delivers it, under this
 * object's lock, when nothing is waiting before it (the common case, with no allocation); frames held by a
 * {@link Cork} go out together in one gathering write when it flushes. What the kernel does not take waits
 * in an {@link Outbound} queue and goes out with everything queued after it in one gathering write when
 * the socket is writable again. Beyond the byte limit the handler is told the peer does not read.
 *
 * <p>Reading happens on Jetty's selector thread; a text message is handed to a thread that may block and
 * the socket reads nothing more until it is handled, so messages are handled one at a time, in order.
 * A socket holds a read buffer only while a frame is incomplete.
 *
 * <p>Closing follows RFC 6455's handshake: after our close frame nothing else is sent and input is no
 * longer handed to the application, but it is still read (and thrown away) until the client's close frame
 * arrives or the grace period ends; only then is the TCP connection closed. Closing a socket with unread
 * input would make the kernel answer with a reset, which can destroy the close frame on its way.
 */
public final class SocketConnection extends AbstractConnection.NonBlocking
        implements Connection.UpgradeTo, Socket, FrameReader.Listener {
    private static final Logger log = LoggerFactory.getLogger(SocketConnection.class);
    static final int NO_STATUS = 1005;
    static final int ABNORMAL = 1006;
    static final int GOING_AWAY = 1001;
    /** Reads of one socket in a row before others on the same selector get their turn. */
    private static final int MAX_FILLS_PER_EVENT = 8;

    private final SocketSettings settings;
    private final SocketHandler handler;
    private final FrameReader reader;
    private final Outbound out;
    /** The endpoint, when it is a socket channel's, written to directly by the delivering thread; else null. */
    private final SocketChannelEndPoint direct;
    /** Its channel, or null. */
    private final SocketChannel channel;
    private final Callback flushed = new Flushed();
    private final AtomicBoolean ended = new AtomicBoolean();
    private RetainableByteBuffer input; // reading thread only
    private byte[] pendingText;         // reading thread only: a message to hand to the handler
    private volatile long lastHeardNanos;
    private volatile long closingSinceNanos; // 0 until a close frame is queued
    private volatile int endCode = -1;       // the first close: ours, or the client's
    // Guarded by this:
    private boolean closeQueued;   // our close frame is queued or written; nothing is sent after it
    private boolean closeReceived; // the client's close frame came
    private boolean overflowed;
    private boolean held;          // queued frames wait for a cork's flush (this socket is in its list)

    public SocketConnection(EndPoint endPoint, SocketSettings settings, SocketHandler handler) {
        super(endPoint, settings.blocking());
        this.settings = settings;
        this.handler = handler;
        this.reader = new FrameReader(settings.maxMessageBytes());
        this.out = new Outbound(settings.maxBufferedBytes());
        this.direct = endPoint instanceof SocketChannelEndPoint socket ? socket : null;
        this.channel = direct == null ? null : direct.getChannel();
        this.lastHeardNanos = System.nanoTime();
    }

    // --- Jetty's side ---

    @Override
    public void onUpgradeTo(ByteBuffer prefilled) {
        if (BufferUtil.hasContent(prefilled)) {
            BufferUtil.append(inputBuffer(), prefilled); // frames the client sent right behind its handshake
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(settings.idleTimeout().toMillis());
        settings.blocking().execute(() -> {
            try {
                handler.onOpen(this);
            } catch (RuntimeException e) {
                log.warn("Opening {} failed", this, e);
                close(1011, "Internal error");
            }
            readFrames();
        });
    }

    @Override
    public void onFillable() {
        readFrames();
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        if (closingSinceNanos != 0) {
            return true; // the close handshake went nowhere either: drop the connection
        }
        close(GOING_AWAY, "Idle timeout");
        return false;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        releaseInput();
        if (ended.compareAndSet(false, true)) {
            int code = endCode < 0 ? ABNORMAL : endCode;
            // Jetty calls this on the thread that closed the endpoint, which may hold this socket's lock
            // (a failed write); the handler takes its own locks, which it holds while writing here.
            settings.blocking().execute(() -> handler.onClosed(code));
        }
    }

    // --- reading ---

    private void readFrames() {
        int fills = 0;
        try {
            while (getEndPoint().isOpen()) {
                ByteBuffer in = inputBuffer();
                if (closingSinceNanos != 0) {
                    reader.discardData();
                }
                while (reader.read(in, this)) {
                    byte[] text = pendingText;
                    if (text != null) {
                        pendingText = null;
                        releaseInputIfEmpty();
                        settings.blocking().execute(() -> handleText(text));
                        return;
                    }
                }
                if (fills == MAX_FILLS_PER_EVENT) {
                    // A client that never stops sending must not keep this thread (a selector shared with many
                    // sockets) to itself: what was read is handled, the rest waits for the next turn.
                    fillInterested();
                    return;
                }
                BufferUtil.compact(in);
                int n = getEndPoint().fill(in);
                if (n > 0) {
                    lastHeardNanos = System.nanoTime();
                    fills++;
                } else if (n == 0) {
                    releaseInputIfEmpty();
                    fillInterested();
                    return;
                } else {
                    getEndPoint().close(); // the client is gone; without a close frame that is 1006
                    return;
                }
            }
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            log.debug("Reading from {} failed: {}", this, e.toString());
            getEndPoint().close(e);
        }
    }

    private void handleText(byte[] text) {
        try {
            handler.onText(text);
        } catch (RuntimeException e) {
            log.warn("Handling a message from {} failed", this, e);
        }
        readFrames();
    }

    private ByteBuffer inputBuffer() {
        if (input == null) {
            input = settings.buffers().acquire(settings.readBufferSize(), true);
        }
        return input.getByteBuffer();
    }

    private void releaseInputIfEmpty() {
        if (input != null && !input.hasRemaining()) {
            releaseInput();
        }
    }

    private void releaseInput() {
        RetainableByteBuffer buffer = input;
        input = null;
        if (buffer != null) {
            buffer.release();
        }
    }

    @Override
    public void text(byte[] utf8) {
        if (closingSinceNanos == 0) {
            pendingText = utf8;
        }
    }

    @Override
    public void binary() {
        if (closingSinceNanos == 0) {
            handler.onBinary();
        }
    }

    @Override
    public void ping(byte[] payload) {
        send(Frames.pong(payload));
    }

    @Override
    public void pong() {
        // lastHeardNanos is already fresh: any frame proves the peer alive
    }

    @Override
    public void peerClose(int code, String reason) {
        boolean closeNow;
        synchronized (this) {
            closeReceived = true;
            if (!closeQueued) {
                endCode = code < 0 ? NO_STATUS : code;
                queueClose(Frames.close(code, reason), false); // the handshake answers with the same code
            }
            closeNow = closeQueued && out.isIdle();
        }
        if (closeNow) {
            getEndPoint().close();
        }
    }

    @Override
    public void violation(int code, String reason) {
        close(code, reason);
    }

    // --- writing ---

    /** Writes a frame shared with other sockets; {@code frame} is the caller's view, read but never kept. */
    @Override
    public void deliver(ByteBuffer frame) {
        write(frame, true);
    }

    /** Writes a frame that belongs to this socket from now on. */
    @Override
    public void send(ByteBuffer frame) {
        write(frame, false);
    }

    /** Sends a ping; its pong (or any frame) refreshes {@link #lastHeardNanos}. */
    @Override
    public void ping() {
        write(Frames.ping().duplicate(), false);
    }

    private void write(ByteBuffer frame, boolean shared) {
        boolean overflow = false;
        synchronized (this) {
            if (closeQueued) {
                return;
            }
            Cork cork = shared ? Cork.current() : null;
            if (cork == null && out.isIdle()) {
                if (!flushNow(frame) || !frame.hasRemaining()) {
                    return;
                }
            }
            ByteBuffer owned = shared ? frame.slice() : frame;
            if (queue(owned)) {
                if (out.isWriting()) {
                    return; // goes out with the next batch, when the write in flight completes
                }
                if (cork == null) {
                    flushQueued();
                    return;
                }
                if (!held) {
                    held = true;
                    cork.hold(this);
                }
                cork.counted();
            } else if (!overflowed) {
                overflowed = overflow = true;
            }
        }
        if (overflow) {
            handler.onOverflow();
        }
    }

    /**
     * Queues a frame within the socket's budget. Frames held by a cork count against it only until they
     * are written: when they are what stands in the way, they are written now rather than the socket cut off.
     */
    private boolean queue(ByteBuffer frame) {
        if (out.add(frame)) {
            return true;
        }
        if (!out.hasQueued() || out.isWriting()) {
            return false;
        }
        flushQueued();
        return out.add(frame);
    }

    /** A cork's flush: the frames held for it go out now, in one gathering write. */
    synchronized void release() {
        held = false;
        if (out.hasQueued() && !out.isWriting()) {
            flushQueued();
        }
    }

    /** Writes what the kernel takes now; false when the connection failed (it is being closed). */
    private boolean flushNow(ByteBuffer frame) {
        try {
            if (channel == null) {
                getEndPoint().flush(frame);
            } else {
                // What EndPoint.flush does around the same write, minus its gathering form: a single
                // buffer goes to write(2) without the iovec set-up of writev.
                wrote(channel.write(frame));
            }
            return true;
        } catch (IOException e) {
            writeFailed(e);
            return false;
        }
    }

    /**
     * Writes everything queued in one gathering write on this thread; what the kernel does not take goes
     * to Jetty's asynchronous write, which finishes it when the socket is writable again. Writing directly
     * skips the write flusher's state changes, the copy of the queue, the completion callback and a second
     * pass under this socket's lock.
     */
    private void flushQueued() {
        if (channel != null) {
            try {
                wrote(out.writeTo(channel));
            } catch (IOException e) {
                out.dropQueued();
                writeFailed(e);
                return;
            }
            if (!out.hasQueued()) {
                if (closeQueued) {
                    closeWritten(); // nothing is queued after a close frame: it is out
                }
                return;
            }
        }
        getEndPoint().write(flushed, out.takeAll());
    }

    /** A direct write's bytes count as activity for the endpoint's idle timeout, as its own writes do. */
    private void wrote(long bytes) {
        if (bytes > 0) {
            direct.notIdle();
        }
    }

    private void writeFailed(IOException e) {
        log.debug("Writing to {} failed: {}", this, e.toString());
        getEndPoint().close(e);
    }

    /**
     * Closes with {@code code}: the close frame goes out after what is already queued, then nothing more.
     * The socket is closed for good when the client answers, or after the grace period.
     */
    @Override
    public void close(int code, String reason) {
        closeFirst(code, reason, false);
    }

    /** Like {@link #close(int, String)}, but throws away what is still queued: the peer is not reading. */
    @Override
    public void cutOff(int code, String reason) {
        closeFirst(code, reason, true);
    }

    /** The relay closes before the client does (a second close, from either side, changes nothing). */
    private synchronized void closeFirst(int code, String reason, boolean dropQueued) {
        if (!closeQueued) {
            endCode = endCode < 0 ? code : endCode;
            queueClose(Frames.close(code, reason), dropQueued);
        }
    }

    /** Drops the TCP connection without a close handshake (for peers that stopped answering). */
    @Override
    public void disconnect() {
        getEndPoint().close();
    }

    /** Past the grace period, a close handshake the client never finished ends without it. */
    @Override
    public void expireClose(long nowNanos) {
        long since = closingSinceNanos;
        if (since != 0 && nowNanos - since >= settings.closeGrace().toNanos()) {
            log.debug("{} did not finish closing; disconnecting", this);
            getEndPoint().close();
        }
    }

    private void queueClose(ByteBuffer frame, boolean dropQueued) {
        closeQueued = true;
        closingSinceNanos = Math.max(1, System.nanoTime());
        if (dropQueued) {
            out.dropQueued();
        }
        if (out.isIdle()) {
            if (!flushNow(frame)) {
                return;
            }
            if (!frame.hasRemaining()) {
                closeWritten();
                return;
            }
        }
        out.addAlways(frame);
        if (!out.isWriting()) {
            flushQueued();
        }
    }

    /** Our close frame is out: send nothing more; close at once if the client's close frame came. */
    private void closeWritten() {
        if (closeReceived) {
            getEndPoint().close();
        } else {
            getEndPoint().shutdownOutput();
        }
    }

    /** When the last frame of this socket was heard from the client (any frame, pongs included). */
    @Override
    public long lastHeardNanos() {
        return lastHeardNanos;
    }

    /** Bytes queued for this socket and not yet written. */
    @Override
    public synchronized long bufferedBytes() {
        return out.bytes();
    }

    @Override
    public String toConnectionString() {
        return "SocketConnection@" + Integer.toHexString(hashCode()) + "[" + getEndPoint().getRemoteSocketAddress() + "]";
    }

    /** Completion of a queued write: the next batch, or the end of the close handshake. */
    private final class Flushed implements Callback {
        @Override
        public void succeeded() {
            synchronized (SocketConnection.this) {
                out.written();
                if (out.hasQueued()) {
                    flushQueued();
                } else if (closeQueued) {
                    closeWritten();
                }
            }
        }

        @Override
        public void failed(Throwable cause) {
            synchronized (SocketConnection.this) {
                out.written();
                out.dropQueued();
            }
            log.debug("Writing to {} failed: {}", SocketConnection.this, cause.toString());
            getEndPoint().close(cause);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
