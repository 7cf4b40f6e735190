package io.stellarrelay.protocol;

import java.util.Optional;

/**
 * Live events a client opts into with {@code "events"} on {@code subscribe} (ours). Without that list a
 * subscription carries what it always did: {@code server:sync}, plus {@code server:status} and
 * {@code server:stats}, which are cheap and go to every watcher of the server. Console output is costly
 * and needs a permission, so it flows only to sockets that ask for it.
 */
public enum EventKind {
    /** {@code server:console}: batched console lines; needs console permission on the server. */
    CONSOLE("console");

    private final String wire;

    EventKind(String wire) {
        this.wire = wire;
    }

    /** The name in {@code "events"}. */
    public String wire() {
        return wire;
    }

    /** The kind with this wire name, or empty for an unknown one. */
    public static Optional<EventKind> fromWire(String name) {
        for (EventKind kind : values()) {
            if (kind.wire.equals(name)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
