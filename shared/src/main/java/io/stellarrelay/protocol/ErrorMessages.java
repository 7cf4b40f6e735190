package io.stellarrelay.protocol;

/**
 * Every error string a client can receive. The first group is fixed by the panel's published API and
 * must never change; the second group is ours (the panel ignored such frames silently).
 */
public final class ErrorMessages {
    private ErrorMessages() {}

    // Fixed by the published API: clients may compare these strings.
    public static final String INVALID_SESSION = "Invalid or expired session";
    public static final String AUTH_REQUIRED_TO_SUBSCRIBE = "Authentication required to subscribe";
    public static final String FORBIDDEN = "Forbidden: You don't have access to this server";
    public static final String NOT_AUTHENTICATED = "Not authenticated";

    // Ours: answers to frames the panel silently dropped, and to outages it did not handle.
    public static final String INVALID_JSON = "Invalid JSON";
    public static final String NOT_AN_OBJECT = "Message must be a JSON object";
    public static final String MISSING_TYPE = "Message needs a string \"type\"";
    public static final String UNKNOWN_TYPE_PREFIX = "Unknown message type: ";
    public static final String SERVER_ID_REQUIRED = "\"serverId\" must be a non-empty string";
    public static final String SERVER_ID_TOO_LONG = "\"serverId\" is too long";
    public static final String SERVER_ID_INVALID = "\"serverId\" contains control characters";
    public static final String BINARY_NOT_SUPPORTED = "Binary frames are not supported; send JSON text frames";
    public static final String ALREADY_AUTHENTICATED = "Already authenticated as another user; open a new connection";
    public static final String AUTH_UNAVAILABLE = "Authentication is temporarily unavailable, try again shortly";
    public static final String ACCESS_CHECK_UNAVAILABLE = "Access check is temporarily unavailable, try again shortly";
    public static final String INTERNAL_ERROR = "Internal error";
    public static final String TOO_MANY_SUBSCRIPTIONS_PREFIX = "Too many subscriptions on this connection (limit ";
    public static final String RATE_LIMITED = "Rate limit exceeded: slow down";
    public static final String ORIGIN_NOT_ALLOWED = "Origin not allowed";
    public static final String TOO_MANY_AUTH_FAILURES = "Too many failed authentication attempts; try again later";
    public static final String TOO_MANY_CONNECTIONS_FOR_USER = "Too many connections for this user";

    // Ours: live events (the "events" list of subscribe and unsubscribe, console permission).
    public static final String EVENTS_INVALID = "\"events\" must be a non-empty array of strings";
    public static final String UNKNOWN_EVENT_PREFIX = "Unknown event: ";
    /** Follows the quoted unknown name: lists the events a client can ask for. */
    public static final String KNOWN_EVENTS_SUFFIX = " (known: " + java.util.Arrays.stream(EventKind.values())
            .map(EventKind::wire).collect(java.util.stream.Collectors.joining(", ")) + ")";
    public static final String CONSOLE_FORBIDDEN = "Forbidden: You don't have console access to this server";
    public static final String CONSOLE_REVOKED = "Console access revoked";

    // Ours: why a live session or subscription ended (revocation). Sent as auth_error / error.
    public static final String SESSION_EXPIRED = "Session expired";
    public static final String SESSION_REVOKED = "Session revoked";
    public static final String USER_BANNED = "User banned";
    public static final String ACCESS_REVOKED_PREFIX = "Access revoked: ";
    public static final String SERVER_DELETED = "server deleted";
    public static final String MEMBERSHIP_REMOVED = "membership removed";
    public static final String OWNERSHIP_TRANSFERRED = "ownership transferred";
    public static final String ADMIN_ROLE_REMOVED = "admin role removed";
}
