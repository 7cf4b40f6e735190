package io.stellarrelay.relay.auth;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** Looks up Better Auth sessions. */
public interface SessionStore {
    /**
     * The user of a raw session token, if the session exists, has not expired and its user is not
     * banned; empty otherwise.
     */
    Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException;

    /**
     * The state of many sessions at once, with one query whatever their number; tokens with no
     * session row are absent from the result.
     */
    Map<String, SessionState> states(Collection<String> tokens) throws StoreUnavailableException;
}
