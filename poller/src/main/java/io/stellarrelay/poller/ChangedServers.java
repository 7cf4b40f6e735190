package io.stellarrelay.poller;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Set;

/**
 * Which servers' syncs may have changed since a point in time, from the panel's {@code updatedAt}
 * columns (the panel's ORM sets them on every update): servers written since, servers with an
 * allocation written since, and servers whose node, location or blueprint was written since. One
 * statement, which returns the database's clock with them: with the recommended indexes on
 * {@code updatedAt} (see {@link PanelIndexes}) it reads only the recent rows; without, it scans
 * {@code servers} and {@code allocations} once (tens of milliseconds at 100,000 servers).
 *
 * <p>An allocation moved to another server or deleted also changed the sync of the server it left: the
 * caller looks up which server its last sync listed the returned allocation ids under. A deleted row
 * leaves no {@code updatedAt} behind, and a writer may not set it: the rolling re-read covers both.
 */
final class ChangedServers {
    static final String SQL = """
            SELECT NULL::text, NULL::text, (statement_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
            UNION ALL
            SELECT s.id, NULL, NULL FROM servers s WHERE s."updatedAt" >= ?
            UNION ALL
            SELECT a."serverId", a.id, NULL FROM allocations a WHERE a."updatedAt" >= ?
            UNION ALL
            SELECT s.id, NULL, NULL FROM servers s JOIN nodes n ON n.id = s."nodeId" WHERE n."updatedAt" >= ?
            UNION ALL
            SELECT s.id, NULL, NULL FROM servers s JOIN nodes n ON n.id = s."nodeId"
              JOIN locations l ON l.id = n."locationId"
             WHERE l."updatedAt" >= ?
            UNION ALL
            SELECT s.id, NULL, NULL FROM servers s JOIN blueprints b ON b.id = s."blueprintId"
             WHERE b."updatedAt" >= ?""";
    private static final int PARAMETERS = 5;

    /**
     * What changed: server ids, allocation ids, and the database's clock (UTC wall time, as the panel
     * stores it) when the statement started.
     */
    record Changes(Set<String> servers, Set<String> allocations, LocalDateTime databaseNow) {}

    private ChangedServers() {}

    static Changes since(Connection connection, LocalDateTime since) throws SQLException {
        Set<String> servers = new HashSet<>();
        Set<String> allocations = new HashSet<>();
        LocalDateTime now = null;
        try (PreparedStatement st = connection.prepareStatement(SQL)) {
            for (int i = 1; i <= PARAMETERS; i++) {
                if (since == null) {
                    st.setNull(i, java.sql.Types.TIMESTAMP); // the first scan: only the clock
                } else {
                    st.setObject(i, since);
                }
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    LocalDateTime clock = rs.getObject(3, LocalDateTime.class);
                    if (clock != null) {
                        now = clock;
                        continue;
                    }
                    String server = rs.getString(1);
                    if (server != null) {
                        servers.add(server);
                    }
                    String allocation = rs.getString(2);
                    if (allocation != null) {
                        allocations.add(allocation);
                    }
                }
            }
        }
        return new Changes(servers, allocations, now);
    }
}
