package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AccessPolicy.Standing;
import io.stellarrelay.relay.auth.AccessPolicy.UserServer;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.auth.Panel;
import io.stellarrelay.relay.auth.SessionState;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Re-checks every live socket against the database, so that revoking access takes effect on open
 * connections: a session deleted, expired or whose user was banned ends with {@code auth_error} and
 * close code 4003; a subscription whose server was deleted, or whose user lost ownership, membership or
 * the admin role, ends with an {@code error} naming the server and the reason; a console whose reader
 * lost the permission ends with an {@code error} too, while the rest of that subscription stays.
 *
 * <p>The cost is two SQL statements per run for the whole relay, whatever the number of sockets: one
 * for all distinct sessions, one for all distinct user/server pairs.
 */
public final class Revalidator {
    private static final Logger log = LoggerFactory.getLogger(Revalidator.class);

    private final Panel panel;
    private final Supplier<Set<ClientConnection>> connections;
    private boolean failing;

    public Revalidator(Panel panel, Supplier<Set<ClientConnection>> connections) {
        this.panel = panel;
        this.connections = connections;
    }

    /** One pass; failures are logged once per outage and the next pass tries again. */
    public void run() {
        try {
            check();
            if (failing) {
                log.info("Re-checking live sessions works again");
                failing = false;
            }
        } catch (StoreUnavailableException e) {
            if (!failing) {
                log.warn("Cannot re-check live sessions (panel database unavailable); will retry: {}", e.getMessage());
                failing = true;
            }
        } catch (RuntimeException e) {
            log.error("Re-checking live sessions failed", e);
        }
    }

    void check() throws StoreUnavailableException {
        // Each socket's token is read once: the lookup and the verdict must be about the same session.
        Map<ClientConnection, String> authenticated = new HashMap<>();
        for (ClientConnection c : connections.get()) {
            String token = c.token();
            if (c.user() != null && token != null) {
                authenticated.put(c, token);
            }
        }
        if (authenticated.isEmpty()) {
            return;
        }
        Map<String, SessionState> states = panel.states(new HashSet<>(authenticated.values()));
        List<ClientConnection> alive = new ArrayList<>();
        for (Map.Entry<ClientConnection, String> entry : authenticated.entrySet()) {
            ClientConnection c = entry.getKey();
            SessionState state = states.getOrDefault(entry.getValue(), new SessionState.Missing());
            switch (state) {
                case SessionState.Valid valid -> {
                    c.refreshUser(valid.user());
                    alive.add(c);
                }
                case SessionState.Expired expired -> endSession(c, ErrorMessages.SESSION_EXPIRED);
                case SessionState.Banned banned -> endSession(c, ErrorMessages.USER_BANNED);
                case SessionState.Missing missing -> endSession(c, ErrorMessages.SESSION_REVOKED);
            }
        }

        Map<ClientConnection, Map<String, Subscription>> watched = new HashMap<>();
        Set<UserServer> pairs = new HashSet<>();
        for (ClientConnection c : alive) {
            Map<String, Subscription> subscriptions = c.subscriptions();
            if (subscriptions.isEmpty()) {
                continue;
            }
            watched.put(c, subscriptions);
            for (String serverId : subscriptions.keySet()) {
                pairs.add(new UserServer(c.user().id(), serverId));
            }
        }
        if (pairs.isEmpty()) {
            return;
        }
        Map<UserServer, Standing> standings = panel.standings(pairs);
        watched.forEach((c, subscriptions) -> {
            AuthenticatedUser user = c.user();
            subscriptions.forEach((serverId, subscription) -> {
                Standing standing = standings.get(new UserServer(user.id(), serverId));
                String reason = revocationReason(user, subscription.grant(), standing);
                if (reason != null) {
                    c.revoke(serverId, ErrorMessages.ACCESS_REVOKED_PREFIX + reason);
                } else if (subscription.console() && !mayReadConsole(user, standing)) {
                    c.revokeConsole(serverId, ErrorMessages.CONSOLE_REVOKED);
                }
            });
        });
    }

    /** Null while access stands; otherwise what changed, judged from how access was granted. */
    static String revocationReason(AuthenticatedUser user, Grant grant, Standing standing) {
        if (standing == null || !standing.serverExists()) {
            return ErrorMessages.SERVER_DELETED;
        }
        if (standing.grantFor(user.admin()).isPresent()) {
            return null;
        }
        return switch (grant.basis()) {
            case ADMIN -> ErrorMessages.ADMIN_ROLE_REMOVED;
            case OWNER -> ErrorMessages.OWNERSHIP_TRANSFERRED;
            case MEMBER -> ErrorMessages.MEMBERSHIP_REMOVED;
        };
    }

    /** Whether the user may still read the server's console, given that access itself stands. */
    static boolean mayReadConsole(AuthenticatedUser user, Standing standing) {
        return standing.grantFor(user.admin()).map(Grant::console).orElse(false);
    }

    private static void endSession(ClientConnection c, String error) {
        c.send(new ServerMessage.AuthError(error));
        c.close(CloseCode.SESSION_ENDED);
    }
}
