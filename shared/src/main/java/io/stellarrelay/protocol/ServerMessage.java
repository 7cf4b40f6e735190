package io.stellarrelay.protocol;

import java.util.List;
import java.util.Set;

/**
 * A frame a relay sends to a client. {@link ProtocolCodec#encode(ServerMessage)} writes each one with the
 * {@code type} first and the fields in the order the published documentation shows.
 */
public sealed interface ServerMessage {

    /** The {@code type} string on the wire: each frame's {@code TYPE}, the one place the string is written. */
    String type();

    record AuthSuccess(String userId) implements ServerMessage {
        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "auth_success";

        public String type() { return TYPE; }
    }

    record AuthError(String error) implements ServerMessage {
        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "auth_error";

        public String type() { return TYPE; }
    }

    record Subscribed(String serverId) implements ServerMessage {
        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "subscribed";

        public String type() { return TYPE; }
    }

    /**
     * The answer to {@code unsubscribe}; {@code events} (ours) repeats the events the client dropped and
     * is written only when it named some, so the documented reply is unchanged.
     */
    record Unsubscribed(String serverId, Set<EventKind> events) implements ServerMessage {
        public Unsubscribed {
            events = Set.copyOf(events);
        }

        public Unsubscribed(String serverId) {
            this(serverId, Set.of());
        }

        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "unsubscribed";

        public String type() { return TYPE; }
    }

    record Pong() implements ServerMessage {
        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "pong";

        public String type() { return TYPE; }
    }

    /**
     * An error; {@code serverId} (ours, null when not about one server) names the server a
     * revocation or limit concerns.
     */
    record Error(String error, String serverId) implements ServerMessage {
        public Error(String error) {
            this(error, null);
        }

        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "error";

        public String type() { return TYPE; }
    }

    /** The periodic full state of one server, built by the poller and forwarded verbatim by relays. */
    record ServerSync(String serverId, ServerState data) implements ServerMessage {
        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "server:sync";

        public String type() { return TYPE; }
    }

    /**
     * Ours: a server's new power state, published by a backend the moment it changes and forwarded
     * verbatim: {@code "data":{"status":"running"}}, lower case like {@code server:sync}'s status.
     */
    record ServerStatus(String serverId, Status data) implements ServerMessage {
        public record Status(String status) {}

        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "server:status";

        public String type() { return TYPE; }
    }

    /**
     * Ours: resource usage, published by a backend (typically the daemon, every few seconds) and forwarded
     * verbatim. Units match {@code server:sync}'s limits, so usage divided by limit is a fraction.
     *
     * @param data {@code cpu}: percent of one core, like sync's {@code cpu}; {@code memory} and {@code disk}:
     *             MiB in use, like sync's {@code memory} and {@code disk}; {@code network}: bytes received
     *             ({@code rx}) and sent ({@code tx}) since the server started
     */
    record ServerStats(String serverId, Stats data) implements ServerMessage {
        public record Stats(double cpu, long memory, long disk, Network network) {}

        public record Network(long rx, long tx) {}

        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "server:stats";

        public String type() { return TYPE; }
    }

    /**
     * Ours: console lines of one server, batched by the relay and sent only to sockets that opted in.
     * {@code dropped} (written only when not zero) counts lines the relay left out since the previous
     * frame because the server exceeded its rate; {@code lines} may then be empty. {@code gap} (written
     * only when true) says lines were lost before this frame's lines and how many is unknown: the relay's
     * connection to Redis was lost meanwhile. {@code history} (written only when true) marks the one frame
     * a socket gets when it opts in to the console: the last lines the server printed before, not live.
     */
    record ServerConsole(String serverId, List<String> lines, long dropped, boolean gap, boolean history)
            implements ServerMessage {
        public ServerConsole {
            lines = List.copyOf(lines);
        }

        public ServerConsole(String serverId, List<String> lines, long dropped, boolean gap) {
            this(serverId, lines, dropped, gap, false);
        }

        public ServerConsole(String serverId, List<String> lines, long dropped) {
            this(serverId, lines, dropped, false);
        }

        /** The {@code type} of this frame on the wire. */
        public static final String TYPE = "server:console";

        public String type() { return TYPE; }
    }
}
