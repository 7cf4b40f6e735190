package io.stellarrelay.relay.auth;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** Decides who may watch which server. */
public interface AccessPolicy {

    /** A user and a server, for re-checking subscriptions in bulk. */
    record UserServer(String userId, String serverId) {}

    /** What the database says now about a user and a server. */
    record Standing(boolean serverExists, boolean owner, boolean member) {}

    /**
     * How the user may watch the server (admin, owner, member), or empty. A missing server gives
     * empty, exactly like a forbidden one, so existence does not leak.
     */
    Optional<Grant> grant(AuthenticatedUser user, String serverId) throws StoreUnavailableException;

    /** The current standing of many user/server pairs, with one query whatever their number. */
    Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException;
}
