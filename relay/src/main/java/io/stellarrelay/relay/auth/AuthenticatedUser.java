package io.stellarrelay.relay.auth;

/** A user whose session checked out. {@code admin} users may watch every server. */
public record AuthenticatedUser(String id, boolean admin) {}
