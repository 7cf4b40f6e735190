package io.stellarrelay.relay.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Sessions and access rules read from the panel's own tables. Only bound parameters, never concatenation. */
public final class PanelDatabase implements Panel {
    private static final Logger log = LoggerFactory.getLogger(PanelDatabase.class);

    // "expiresAt" holds UTC wall time without a zone, so compare with UTC wall time.
    private static final String SESSION_STATES = """
            SELECT s.token, u.id, u.role, u.banned, s."expiresAt" > (now() AT TIME ZONE 'UTC')
              FROM sessions s
              JOIN users u ON u.id = s."userId"
             WHERE s.token = ANY (?)""";

    // server_members has a unique index on ("serverId", "userId"): the join adds at most one row.
    private static final String STANDINGS = """
            SELECT p.user_id, p.server_id, s.id IS NOT NULL, COALESCE(s."ownerId" = p.user_id, false),
                   m.id IS NOT NULL, COALESCE(m.permissions && ?::text[], false)
              FROM unnest(?::text[], ?::text[]) AS p(user_id, server_id)
              LEFT JOIN servers s ON s.id = p.server_id
              LEFT JOIN server_members m ON m."serverId" = p.server_id AND m."userId" = p.user_id""";

    private final DataSource dataSource;
    private final java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();

    public PanelDatabase(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One session through the bulk query, so that single and bulk answers cannot drift apart. */
    @Override
    public Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException {
        return states(List.of(token)).get(token) instanceof SessionState.Valid valid
                ? Optional.of(valid.user()) : Optional.empty();
    }

    @Override
    public Map<String, SessionState> states(Collection<String> tokens) throws StoreUnavailableException {
        Map<String, SessionState> states = new HashMap<>();
        if (tokens.isEmpty()) {
            return states;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(SESSION_STATES)) {
            st.setArray(1, c.createArrayOf("text", tokens.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    SessionState state;
                    if (rs.getBoolean(4)) {
                        state = new SessionState.Banned();
                    } else if (!rs.getBoolean(5)) {
                        state = new SessionState.Expired();
                    } else {
                        state = new SessionState.Valid(new AuthenticatedUser(rs.getString(2), isAdmin(rs.getString(3))));
                    }
                    states.put(rs.getString(1), state);
                }
            }
        } catch (SQLException e) {
            throw unavailable("sessions", e);
        }
        return answered(states);
    }

    /** One access check through the bulk query, so that single and bulk answers cannot drift apart. */
    @Override
    public Optional<Grant> grant(AuthenticatedUser user, String serverId) throws StoreUnavailableException {
        UserServer pair = new UserServer(user.id(), serverId);
        Standing standing = standings(List.of(pair)).get(pair);
        return standing == null ? Optional.empty() : standing.grantFor(user.admin());
    }

    @Override
    public Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException {
        Map<UserServer, Standing> standings = new HashMap<>();
        if (pairs.isEmpty()) {
            return standings;
        }
        String[] users = new String[pairs.size()];
        String[] servers = new String[pairs.size()];
        int i = 0;
        for (UserServer pair : pairs) {
            users[i] = pair.userId();
            servers[i++] = pair.serverId();
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(STANDINGS)) {
            st.setArray(1, c.createArrayOf("text", CONSOLE_PERMISSIONS.toArray()));
            st.setArray(2, c.createArrayOf("text", users));
            st.setArray(3, c.createArrayOf("text", servers));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    standings.put(new UserServer(rs.getString(1), rs.getString(2)),
                            new Standing(rs.getBoolean(3), rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6)));
                }
            }
        } catch (SQLException e) {
            throw unavailable("access", e);
        }
        return answered(standings);
    }

    /** Better Auth's admin plugin allows several comma-separated roles. */
    static boolean isAdmin(String role) {
        return role != null && Arrays.stream(role.split(",")).map(String::strip).anyMatch("admin"::equals);
    }

    /** Logs an outage once, when it starts, not once per request. */
    private StoreUnavailableException unavailable(String what, SQLException e) {
        if (failing.compareAndSet(false, true)) {
            log.warn("Panel database unavailable ({}: {}); answering with a temporary error until it is back",
                    what, e.getMessage());
        }
        return new StoreUnavailableException(what + " failed", e);
    }

    private <T> T answered(T result) {
        if (failing.compareAndSet(true, false)) {
            log.info("Panel database reachable again");
        }
        return result;
    }
}
