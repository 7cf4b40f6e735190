package io.stellarrelay.protocol;

/**
 * A frame a relay sends to a client. {@link ProtocolCodec#encode(ServerMessage)} writes each one with the
 * {@code type} first and the fields in the order the published documentation shows.
 */
public sealed interface ServerMessage {

    /** The {@code type} string on the wire. */
    String type();

    record AuthSuccess(String userId) implements ServerMessage {
        public String type() { return "auth_success"; }
    }

    record AuthError(String error) implements ServerMessage {
        public String type() { return "auth_error"; }
    }

    record Subscribed(String serverId) implements ServerMessage {
        public String type() { return "subscribed"; }
    }

    record Unsubscribed(String serverId) implements ServerMessage {
        public String type() { return "unsubscribed"; }
    }

    record Pong() implements ServerMessage {
        public String type() { return "pong"; }
    }

    /**
     * An error; {@code serverId} (ours, null when not about one server) names the server a
     * revocation or limit concerns.
     */
    record Error(String error, String serverId) implements ServerMessage {
        public Error(String error) {
            this(error, null);
        }

        public String type() { return "error"; }
    }

    /**
     * A live event: the server's status changed (lower case, as in {@code server:sync}). Written as
     * {@code {"type":"server:status","serverId":…,"data":{"status":…}}}.
     */
    record ServerStatus(String serverId, String status) implements ServerMessage {
        public String type() { return "server:status"; }
    }

    /** The periodic full state of one server, built by the poller and forwarded verbatim by relays. */
    record ServerSync(String serverId, ServerState data) implements ServerMessage {
        public String type() { return "server:sync"; }
    }
}
