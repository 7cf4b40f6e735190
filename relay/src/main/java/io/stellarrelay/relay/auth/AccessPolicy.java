package io.stellarrelay.relay.auth;

/** Decides who may watch which server. */
public interface AccessPolicy {
    /**
     * True when the server exists and the user is an admin, its owner or one of its members. A missing
     * server gives false, exactly like a forbidden one, so existence does not leak.
     */
    boolean mayWatch(AuthenticatedUser user, String serverId) throws StoreUnavailableException;
}
