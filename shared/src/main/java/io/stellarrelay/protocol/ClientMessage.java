package io.stellarrelay.protocol;

/** A frame a client sends to a relay, already validated by {@link ProtocolCodec#decode(String)}. */
public sealed interface ClientMessage {

    /** {@code {"type":"auth","token":"..."}}: the raw session token; {@code null} when the frame had none. */
    record Auth(String token) implements ClientMessage {
        @Override
        public String toString() {
            return "Auth[token=" + (token == null ? "null" : "****") + "]";
        }
    }

    /** {@code {"type":"subscribe","serverId":"..."}}. */
    record Subscribe(String serverId) implements ClientMessage {}

    /** {@code {"type":"unsubscribe","serverId":"..."}}. */
    record Unsubscribe(String serverId) implements ClientMessage {}

    /** {@code {"type":"ping"}}. */
    record Ping() implements ClientMessage {}
}
