package io.stellarrelay.relay.ws;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import io.stellarrelay.relay.guard.OriginPolicy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/ws/token}: trades a valid session cookie for the raw token the {@code auth} message
 * takes. Browser pages of other origins get an answer (CORS with credentials) only when their origin
 * is allowed; others are refused before the cookie is even looked at.
 */
public final class TokenEndpoint {
    private final SessionCookie cookies;
    private final SessionStore sessions;
    private final OriginPolicy origins;

    public TokenEndpoint(SessionCookie cookies, SessionStore sessions, OriginPolicy origins) {
        this.cookies = cookies;
        this.sessions = sessions;
        this.origins = origins;
    }

    /** False (and a 403 sent) when a browser page of a foreign origin asks; CORS headers otherwise. */
    private boolean originAllowed(Context ctx) {
        String origin = ctx.header("Origin");
        ctx.header("Vary", "Origin");
        if (!origins.allows(origin, ctx.header("Host"))) {
            ctx.status(HttpStatus.FORBIDDEN).json(Map.of("error", ErrorMessages.ORIGIN_NOT_ALLOWED));
            return false;
        }
        if (origin != null) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Access-Control-Allow-Credentials", "true");
        }
        return true;
    }

    /** The CORS preflight a browser may send before a credentialed cross-origin GET. */
    public void preflight(Context ctx) {
        if (originAllowed(ctx)) {
            ctx.header("Access-Control-Allow-Methods", "GET");
            String requested = ctx.header("Access-Control-Request-Headers");
            if (requested != null) {
                ctx.header("Access-Control-Allow-Headers", requested);
            }
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(HttpStatus.NO_CONTENT);
        }
    }

    public void handle(Context ctx) {
        // The body holds a credential: no cache may keep it.
        ctx.header("Cache-Control", "no-store");
        if (!originAllowed(ctx)) {
            return;
        }
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
