package io.stellarrelay.relay.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;

/** Sessions and access rules read from the panel's own tables. Only bound parameters, never concatenation. */
public final class PanelDatabase implements SessionStore, AccessPolicy {
    private static final Logger log = LoggerFactory.getLogger(PanelDatabase.class);

    // "expiresAt" holds UTC wall time without a zone, so compare with UTC wall time.
    private static final String FIND_USER = """
            SELECT u.id, u.role
              FROM sessions s
              JOIN users u ON u.id = s."userId"
             WHERE s.token = ?
               AND s."expiresAt" > (now() AT TIME ZONE 'UTC')
               AND NOT u.banned""";

    private static final String SERVER_EXISTS = "SELECT EXISTS (SELECT 1 FROM servers WHERE id = ?)";

    private static final String MAY_WATCH = """
            SELECT EXISTS (
                SELECT 1 FROM servers s
                 WHERE s.id = ?
                   AND (s."ownerId" = ?
                        OR EXISTS (SELECT 1 FROM server_members m
                                    WHERE m."serverId" = s.id AND m."userId" = ?)))""";

    private final DataSource dataSource;

    public PanelDatabase(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(FIND_USER)) {
            st.setString(1, token);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AuthenticatedUser(rs.getString(1), isAdmin(rs.getString(2))));
            }
        } catch (SQLException e) {
            throw unavailable("session lookup", e);
        }
    }

    @Override
    public boolean mayWatch(AuthenticatedUser user, String serverId) throws StoreUnavailableException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement(user.admin() ? SERVER_EXISTS : MAY_WATCH)) {
            st.setString(1, serverId);
            if (!user.admin()) {
                st.setString(2, user.id());
                st.setString(3, user.id());
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw unavailable("access check", e);
        }
    }

    /** Better Auth's admin plugin allows several comma-separated roles. */
    static boolean isAdmin(String role) {
        return role != null && Arrays.stream(role.split(",")).map(String::strip).anyMatch("admin"::equals);
    }

    private static StoreUnavailableException unavailable(String what, SQLException e) {
        log.warn("Panel database unavailable for {}: {}", what, e.getMessage());
        return new StoreUnavailableException(what + " failed", e);
    }
}
