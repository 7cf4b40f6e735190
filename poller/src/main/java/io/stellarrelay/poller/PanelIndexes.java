package io.stellarrelay.poller;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The indexes a large panel database needs for stellar-relay and that the panel's own migrations do not
 * create. Without them a tick that reads rows scans the whole {@code allocations} table, each change
 * scan reads all of {@code servers} and {@code allocations} for the few rows written since the last
 * tick, and each relay access check scans {@code server_members}: unnoticeable with thousands of rows,
 * the bulk of the tick time with hundreds of thousands.
 */
public final class PanelIndexes {

    /** An index the panel should have: a valid index on {@code table} whose first column is {@code column}. */
    public record Wanted(String table, String column, String name) {
        public String createStatement() {
            return "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + name + " ON " + table + " (\"" + column + "\");";
        }
    }

    public static final List<Wanted> WANTED = List.of(
            new Wanted("allocations", "serverId", "allocations_server_id_idx"),
            new Wanted("server_members", "userId", "server_members_user_id_idx"),
            new Wanted("servers", "updatedAt", "servers_updated_at_idx"),
            new Wanted("allocations", "updatedAt", "allocations_updated_at_idx"));

    private static final String LEADING_COLUMNS = """
            SELECT t.relname, a.attname
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
             WHERE n.nspname = current_schema() AND i.indisvalid
            """;

    private PanelIndexes() {
    }

    /** The wanted indexes that the database of {@code connection} lacks (in its current schema). */
    public static List<Wanted> missing(Connection connection) throws SQLException {
        Set<String> present = new HashSet<>();
        try (PreparedStatement st = connection.prepareStatement(LEADING_COLUMNS);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                present.add(rs.getString(1) + "." + rs.getString(2));
            }
        }
        List<Wanted> missing = new ArrayList<>();
        for (Wanted w : WANTED) {
            if (!present.contains(w.table() + "." + w.column())) {
                missing.add(w);
            }
        }
        return missing;
    }

    /**
     * Tells {@code warn} about each missing index, with the statement that creates it. A database that
     * cannot be reached is not reported here: the ticks report that.
     */
    public static void warnIfMissing(DataSource dataSource, Consumer<String> warn) {
        try (Connection c = dataSource.getConnection()) {
            for (Wanted w : missing(c)) {
                warn.accept("The panel database has no index on " + w.table() + "(\"" + w.column()
                        + "\"); ticks and access checks scan the whole table as it grows. Create it once with: "
                        + w.createStatement());
            }
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(PanelIndexes.class)
                    .debug("Could not check the panel's indexes: {}", e.toString());
        }
    }
}
