package io.stellarrelay.relay.auth;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.stellarrelay.protocol.ErrorMessages;

import java.util.Map;
import java.util.Optional;

/**
 * Authenticates an HTTP request by its Better Auth session cookie, answering for it when that fails:
 * 401 {@code Not authenticated} without a valid session, 503 while the database cannot tell.
 */
public final class CookieAuthentication {

    /** A request's session: the raw token and its user. */
    public record Session(String token, AuthenticatedUser user) {}

    private final SessionCookie cookies;
    private final SessionStore sessions;

    public CookieAuthentication(SessionCookie cookies, SessionStore sessions) {
        this.cookies = cookies;
        this.sessions = sessions;
    }

    /** The request's session, or empty after the error response has been set. */
    public Optional<Session> authenticate(Context ctx) {
        Optional<String> token = cookies.verifiedToken(ctx.header("Cookie"));
        Optional<AuthenticatedUser> user = Optional.empty();
        if (token.isPresent()) {
            try {
                user = sessions.findUser(token.get());
            } catch (StoreUnavailableException e) {
                ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(Map.of("error", ErrorMessages.AUTH_UNAVAILABLE));
                return Optional.empty();
            }
        }
        if (user.isEmpty()) {
            ctx.status(HttpStatus.UNAUTHORIZED).json(Map.of("error", ErrorMessages.NOT_AUTHENTICATED));
            return Optional.empty();
        }
        return Optional.of(new Session(token.get(), user.get()));
    }
}
