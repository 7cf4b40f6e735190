package io.stellarrelay.protocol;

import java.util.Set;

/** A frame a client sends to a relay, already validated by {@link ProtocolCodec#decode(String)}. */
public sealed interface ClientMessage {

    /** {@code {"type":"auth","token":"..."}}: the raw session token; {@code null} when the frame had none. */
    record Auth(String token) implements ClientMessage {
        @Override
        public String toString() {
            return "Auth[token=" + (token == null ? "null" : "****") + "]";
        }
    }

    /**
     * {@code {"type":"subscribe","serverId":"..."}}, optionally with {@code "events":["console"]} (ours):
     * {@code events} is empty when the frame had no list.
     */
    record Subscribe(String serverId, Set<EventKind> events) implements ClientMessage {
        public Subscribe {
            events = Set.copyOf(events);
        }

        public Subscribe(String serverId) {
            this(serverId, Set.of());
        }
    }

    /**
     * {@code {"type":"unsubscribe","serverId":"..."}}: ends the whole subscription when {@code events} is
     * empty; with {@code "events":["console"]} (ours) it ends only those events.
     */
    record Unsubscribe(String serverId, Set<EventKind> events) implements ClientMessage {
        public Unsubscribe {
            events = Set.copyOf(events);
        }

        public Unsubscribe(String serverId) {
            this(serverId, Set.of());
        }
    }

    /** {@code {"type":"ping"}}. */
    record Ping() implements ClientMessage {}
}
