package io.stellarrelay.relay.ws;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.auth.StoreUnavailableException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code GET /api/ws/token}: trades a valid session cookie for the raw token the {@code auth} message takes. */
public final class TokenEndpoint {
    private final SessionCookie cookies;
    private final SessionStore sessions;

    public TokenEndpoint(SessionCookie cookies, SessionStore sessions) {
        this.cookies = cookies;
        this.sessions = sessions;
    }

    public void handle(Context ctx) {
        // The body holds a credential: no cache may keep it.
        ctx.header("Cache-Control", "no-store");
        Optional<String> token = cookies.verifiedToken(ctx.header("Cookie"));
        Optional<AuthenticatedUser> user = Optional.empty();
        if (token.isPresent()) {
            try {
                user = sessions.findUser(token.get());
            } catch (StoreUnavailableException e) {
                ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(Map.of("error", ErrorMessages.AUTH_UNAVAILABLE));
                return;
            }
        }
        if (user.isEmpty()) {
            ctx.status(HttpStatus.UNAUTHORIZED).json(Map.of("error", ErrorMessages.NOT_AUTHENTICATED));
            return;
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("token", token.get());
        body.put("userId", user.get().id());
        ctx.json(body);
    }
}
