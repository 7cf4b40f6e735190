package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import io.stellarrelay.relay.guard.AuthFailures;
import io.stellarrelay.relay.metrics.RelayMetrics;
import io.stellarrelay.relay.metrics.RelayMetrics.AuthFailure;

import java.time.Duration;
import java.util.Optional;

/**
 * The {@code auth} step: a session token (from the {@code auth} message, or from a signed cookie at
 * open) becomes the client's user, within the per-connection, per-address and per-user limits.
 */
public final class Authentication {
    private static final int MAX_TOKEN_LENGTH = 1024;

    private final SessionStore sessions;
    private final Clients clients;
    private final AuthFailures failures;
    private final int maxFailuresPerConnection;
    private final RelayMetrics metrics;

    public Authentication(SessionStore sessions, Clients clients, int maxFailuresPerAddress, int maxFailuresPerConnection,
                   RelayMetrics metrics) {
        this.sessions = sessions;
        this.clients = clients;
        this.failures = new AuthFailures(maxFailuresPerAddress, Duration.ofMinutes(1));
        this.maxFailuresPerConnection = maxFailuresPerConnection;
        this.metrics = metrics;
    }

    /**
     * Authenticates {@code client} with {@code token}. A signed cookie was minted by the panel, so a cookie
     * naming no valid session is staleness, not guessing: it gets no answer (the client falls back to a
     * token) and counts against no limit.
     */
    void authenticate(ClientConnection client, String token, boolean fromCookie) {
        long now = System.nanoTime();
        if (!fromCookie && failures.isBlocked(client.address(), now)) {
            metrics.authFailed(AuthFailure.ADDRESS_BLOCKED);
            client.send(new ServerMessage.AuthError(ErrorMessages.TOO_MANY_AUTH_FAILURES));
            client.close(CloseCode.TOO_MANY_AUTH_FAILURES);
            return;
        }
        Optional<AuthenticatedUser> user;
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH
                || ProtocolCodec.hasControlCharacter(token)) {
            user = Optional.empty();
        } else {
            try {
                user = sessions.findUser(token);
            } catch (StoreUnavailableException e) {
                metrics.authFailed(AuthFailure.UNAVAILABLE);
                client.send(new ServerMessage.AuthError(ErrorMessages.AUTH_UNAVAILABLE));
                return;
            }
        }
        if (user.isEmpty()) {
            refuse(client, fromCookie, now);
        } else {
            accept(client, user.get(), token);
        }
    }

    private void refuse(ClientConnection client, boolean fromCookie, long now) {
        if (fromCookie) {
            metrics.authFailed(AuthFailure.INVALID_COOKIE_SESSION);
            return;
        }
        metrics.authFailed(AuthFailure.INVALID_SESSION);
        failures.recordFailure(client.address(), now);
        client.send(new ServerMessage.AuthError(ErrorMessages.INVALID_SESSION));
        if (client.recordAuthFailure() >= maxFailuresPerConnection) {
            client.close(CloseCode.TOO_MANY_AUTH_FAILURES);
        }
    }

    private void accept(ClientConnection client, AuthenticatedUser user, String token) {
        AuthenticatedUser current = client.user();
        if (current != null) {
            if (!current.id().equals(user.id())) {
                // Switching users on a live socket would leave the old user's subscriptions in place.
                client.send(new ServerMessage.Error(ErrorMessages.ALREADY_AUTHENTICATED));
                return;
            }
            client.authenticated(user, token);
        } else if (clients.claimUserSlot(user.id())) {
            if (!client.authenticated(user, token)) {
                clients.releaseUserSlot(user.id()); // closed while its session was looked up
                return;
            }
            clients.authenticated();
        } else {
            metrics.authFailed(AuthFailure.USER_CONNECTION_LIMIT);
            client.send(new ServerMessage.AuthError(ErrorMessages.TOO_MANY_CONNECTIONS_FOR_USER));
            client.close(CloseCode.TOO_MANY_CONNECTIONS);
            return;
        }
        client.send(new ServerMessage.AuthSuccess(user.id()));
    }

    /** Forgets failures older than the window. */
    public void prune(long nowNanos) {
        failures.prune(nowNanos);
    }
}
