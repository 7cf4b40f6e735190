package io.stellarrelay.relay.auth;

/** Where a session stands now, for re-checking live connections. */
public sealed interface SessionState {
    record Valid(AuthenticatedUser user) implements SessionState {}

    /** The row exists but its {@code expiresAt} has passed. */
    record Expired() implements SessionState {}

    /** The session's user is banned. */
    record Banned() implements SessionState {}

    /** No such session any more (signed out, or deleted by an administrator). */
    record Missing() implements SessionState {}
}
