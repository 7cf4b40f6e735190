package io.stellarrelay.relay.auth;

import java.util.Optional;

/** Looks up Better Auth sessions. */
public interface SessionStore {
    /**
     * The user of a raw session token, if the session exists, has not expired and its user is not
     * banned; empty otherwise.
     */
    Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException;
}
