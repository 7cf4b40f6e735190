package io.stellarrelay.relay.console;

import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Sockets opting in to and out of a server's console. With history on, a socket joins the console hub
 * through a {@link HistoryGate} and waits in {@link #pending} for the console stream reader, which is
 * woken at once, reads the history and has the gate opened; with history off it joins the hub directly
 * and gets live lines only.
 */
public final class ConsoleOptIn {
    /** A socket waiting for its history. */
    record Pending(String serverId, HistoryGate gate) {}

    private final Hub consoles;
    private final ConsoleBatcher batcher; // null: no history
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private volatile Consumer<String> onRequest = serverId -> { };

    /** Sockets get live lines only. */
    public ConsoleOptIn(Hub consoles) {
        this(consoles, null);
    }

    /** Sockets get their history first; {@code batcher} passes them lines its history cannot hold meanwhile. */
    public ConsoleOptIn(Hub consoles, ConsoleBatcher batcher) {
        this.consoles = consoles;
        this.batcher = batcher;
    }

    /** {@code listener} learns of each server whose history a socket waits for (the stream reader, to wake). */
    void onRequest(Consumer<String> listener) {
        this.onRequest = listener;
    }

    /** Starts the server's console for {@code socket}; returns the watcher to pass to {@link #unwatch}. */
    public Watcher watch(String serverId, Watcher socket) {
        if (batcher == null) {
            consoles.watch(serverId, socket);
            return socket;
        }
        HistoryGate gate = new HistoryGate(socket);
        // Known to the batcher before any frame can reach it, so no published line passes it unseen.
        batcher.awaitingHistory(serverId, gate);
        // In the hub first: the reader then reads the stream, and sees the request when woken.
        consoles.watch(serverId, gate);
        pending.add(new Pending(serverId, gate));
        onRequest.accept(serverId);
        return gate;
    }

    /** Stops the console for the watcher {@link #watch} returned. */
    public void unwatch(String serverId, Watcher watcher) {
        if (watcher instanceof HistoryGate gate) {
            gate.cancel();
            // Not left for the reader: with no console read it would not come by to drop the request.
            pending.removeIf(request -> request.gate() == gate);
            batcher.historyDone(serverId, gate);
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
