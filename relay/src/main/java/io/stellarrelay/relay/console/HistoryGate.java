package io.stellarrelay.relay.console;

import io.stellarrelay.relay.hub.Watcher;

import java.nio.ByteBuffer;

/**
 * A socket's console watch while its history is read: it stands in the console hub from the opt-in on
 * (so the server's stream is read and its lines are batched), but passes no frame until it is opened
 * with the history frame. Every live frame that reached it before held only lines the history covers;
 * every later one only lines after them (see {@link ConsoleBatcher#history}).
 *
 * <p>It shares its socket's delivery lane, so console and other frames of one socket keep their order,
 * and it is opened on that lane, after every frame handed to the lane before. Lines that come by the
 * deprecated PUBLISH are in no history: the batcher sends their frames through a closed gate too
 * ({@link #passWhileClosed}), so they may come before the history frame, but never twice or not at all.
 */
final class HistoryGate implements Watcher {
    private final Watcher socket;
    private volatile boolean open; // written under this
    private boolean cancelled; // guarded by this

    HistoryGate(Watcher socket) {
        this.socket = socket;
    }

    @Override
    public void deliver(ByteBuffer frame) {
        // No lock: frames reach the gate on its lane, where it is also opened, or inline while the lane is idle.
        if (open) {
            socket.deliver(frame);
        }
    }

    @Override
    public Object laneKey() {
        return socket;
    }

    /** Sends the history frame (if any) and lets live frames through from now on; nothing once cancelled. */
    synchronized void open(ByteBuffer historyFrame) {
        if (open || cancelled) {
            return;
        }
        if (historyFrame != null) {
            socket.deliver(historyFrame);
        }
        open = true;
    }

    /**
     * Passes a frame of lines that no history holds (published, not added to the stream) while the gate is
     * still closed; on the socket's lane, after the frame itself reached (and was held back by) the gate.
     * Once open, the gate passed that frame already.
     */
    synchronized void passWhileClosed(ByteBuffer frame) {
        if (!open && !cancelled) {
            socket.deliver(frame);
        }
    }

    /** The socket left the console: its history, if still on the way, is not sent. */
    synchronized void cancel() {
        cancelled = true;
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    @Override
    public String toString() {
        return "HistoryGate[" + socket + "]";
    }
}
