package io.stellarrelay.relay.ws;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.relay.auth.CookieAuthentication;
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
    private final CookieAuthentication authentication;
    private final OriginPolicy origins;

    public TokenEndpoint(CookieAuthentication authentication, OriginPolicy origins) {
        this.authentication = authentication;
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
        Optional<CookieAuthentication.Session> session = authentication.authenticate(ctx);
        if (session.isEmpty()) {
            return;
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("token", session.get().token());
        body.put("userId", session.get().user().id());
        ctx.json(body);
    }
}
