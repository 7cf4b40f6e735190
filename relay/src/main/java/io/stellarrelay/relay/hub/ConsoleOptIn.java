package io.stellarrelay.relay.hub;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Sockets opting in to and out of a server's console. With history on, a socket joins the console hub
 * through a {@link HistoryGate} and waits in {@link #pending} for the console stream reader, which reads
 * the history and has the gate opened; with history off it joins the hub directly and gets live lines only.
 */
public final class ConsoleOptIn {
    /** A socket waiting for its history. */
    record Pending(String serverId, HistoryGate gate) {}

    private final Hub consoles;
    private final boolean history;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    /** @param history whether sockets get history (history lines configured and a stream reader running) */
    public ConsoleOptIn(Hub consoles, boolean history) {
        this.consoles = consoles;
        this.history = history;
    }

    /** Starts the server's console for {@code socket}; returns the watcher to pass to {@link #unwatch}. */
    public Watcher watch(String serverId, Watcher socket) {
        if (!history) {
            consoles.watch(serverId, socket);
            return socket;
        }
        HistoryGate gate = new HistoryGate(socket);
        // In the hub first: the reader then reads the stream, and sees the request on its next turn.
        consoles.watch(serverId, gate);
        pending.add(new Pending(serverId, gate));
        return gate;
    }

    /** Stops the console for the watcher {@link #watch} returned. */
    public void unwatch(String serverId, Watcher watcher) {
        if (watcher instanceof HistoryGate gate) {
            gate.cancel();
            // Not left for the reader: with no console read it would not come by to drop the request.
            pending.removeIf(request -> request.gate() == gate);
        }
        consoles.unwatch(serverId, watcher);
    }

    /** The requests not yet served, oldest first, left in place until {@link #served} (so a failed read is retried). */
    List<Pending> waiting() {
        return List.copyOf(pending);
    }

    void served(Pending request) {
        pending.remove(request);
    }
}
