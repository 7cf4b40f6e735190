package io.stellarrelay.protocol;

import java.util.Optional;

/**
 * Every WebSocket close code a relay uses, with the reason text it sends and whether a client should
 * reconnect. 1000-1015 are RFC 6455's (section 7.4.1) and IANA's registered codes; 4000-4999 are
 * private-use codes defined here.
 */
public enum CloseCode {
    /** The client asked to close, or nothing went wrong. */
    NORMAL(1000, "Normal closure", false),
    /** The relay is shutting down; connect again (the load balancer sends you to another relay). */
    GOING_AWAY(1001, "Relay shutting down", true),
    /** A text frame that is not valid UTF-8 (closed by Jetty). */
    INVALID_PAYLOAD(1007, "Invalid UTF-8 in a text frame", false),
    /** A frame larger than the relay accepts (closed by Jetty); sending it again fails again. */
    MESSAGE_TOO_BIG(1009, "Message too big", false),
    /** Something broke on the relay; connect again with backoff. */
    INTERNAL_ERROR(1011, "Internal error", true),
    /** The relay is restarting (rolling deploy); connect again, at once is fine. */
    SERVICE_RESTART(1012, "Relay restarting", true),
    /** The relay is overloaded or cannot reach its dependencies; connect again with backoff. */
    TRY_AGAIN_LATER(1013, "Try again later", true),

    /** No successful authentication within the deadline after connecting. */
    AUTH_TIMEOUT(4001, "Authentication timeout", true),
    /** The session expired, was deleted, or its user was banned: log in again before reconnecting. */
    SESSION_ENDED(4003, "Session ended", false),
    /** Too many messages too fast; connect again with backoff and send less. */
    RATE_LIMITED(4008, "Rate limit exceeded", true),
    /** Too many connections from this address or for this user; close others, then retry with backoff. */
    TOO_MANY_CONNECTIONS(4009, "Too many connections", true),
    /** The client did not read its frames fast enough; connect again. */
    SLOW_CONSUMER(4010, "Client too slow", true),
    /** Too many failed authentication attempts; wait before trying again. */
    TOO_MANY_AUTH_FAILURES(4029, "Too many failed authentication attempts", false);

    private final int code;
    private final String reason;
    private final boolean reconnect;

    CloseCode(int code, String reason, boolean reconnect) {
        this.code = code;
        this.reason = reason;
        this.reconnect = reconnect;
    }

    public int code() {
        return code;
    }

    /** The close reason sent with the code (always under the 123-byte limit of a close frame). */
    public String reason() {
        return reason;
    }

    /** Whether a well-behaved client should connect again (with backoff) after this close. */
    public boolean reconnect() {
        return reconnect;
    }

    public static CloseCode of(int code) {
        return find(code).orElseThrow(() -> new IllegalArgumentException("no close code " + code));
    }

    /** The close code with this number, if it is one of ours or a standard one we use. */
    public static Optional<CloseCode> find(int code) {
        for (CloseCode c : values()) {
            if (c.code == code) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
