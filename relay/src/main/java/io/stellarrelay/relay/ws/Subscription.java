package io.stellarrelay.relay.ws;

import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.hub.Watcher;

/**
 * One server a socket watches: on what grounds, and whether it also receives the console (opted in and
 * allowed): then {@code consoleWatcher} is what stands for the socket among the console's watchers.
 */
record Subscription(Grant grant, Watcher consoleWatcher) {
    boolean console() {
        return consoleWatcher != null;
    }
}
