package io.stellarrelay.poller;

import io.stellarrelay.protocol.ServerState;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.Locale;

/**
 * Reads the sync state of any number of servers with ONE statement: servers joined to node, location
 * and blueprint, and their allocations aggregated into arrays in a single pass over the allocations
 * table (see docs/performance.md for its plan). Secrets (node tokens, server config and variables) are never selected.
 */
final class ServerStateQuery {
    static final String SQL = """
            WITH allocs AS (
                SELECT a."serverId",
                       array_agg(a.id) AS ids,
                       array_agg(a.ip) AS ips,
                       array_agg(a.port) AS ports
                  FROM allocations a
                 WHERE a."serverId" = ANY(?::text[])
                 GROUP BY a."serverId")
            SELECT s.id, s."shortId", s.name, s.status::text, s.suspended, s."containerId",
                   s.memory, s.disk, s.cpu, s."cpuPinning", s.swap, s."oomKillDisable", s."backupLimit",
                   s."nodeId", s."blueprintId", s."ownerId", s."createdAt", s."updatedAt",
                   s."primaryAllocationId",
                   n.id, n."displayName", n.host, n.port, n.protocol::text, n."sftpPort", n."isOnline",
                   l.id, l.name,
                   b.id, b.name,
                   al.ids, al.ips, al.ports
              FROM servers s
              JOIN nodes n ON n.id = s."nodeId"
              JOIN locations l ON l.id = n."locationId"
              JOIN blueprints b ON b.id = s."blueprintId"
              LEFT JOIN allocs al ON al."serverId" = s.id
             WHERE s.id = ANY(?::text[])""";

    /** Primary first, then by address and port, as the panel listed them. */
    private static final Comparator<ServerState.Allocation> ALLOCATION_ORDER =
            Comparator.comparing((ServerState.Allocation a) -> !a.isPrimary())
                    .thenComparing(ServerState.Allocation::ip)
                    .thenComparingInt(ServerState.Allocation::port);

    private ServerStateQuery() {}

    /**
     * Runs the statement and hands the rows to {@code batches} in lists of up to {@code batchSize}, as
     * they arrive: with a batch size PostgreSQL sends the rows in that many at a time (a cursor, inside
     * a transaction this opens and ends), so the caller can work on one batch while the next is read.
     */
    static void stream(Connection connection, Collection<String> serverIds, int batchSize,
                       Consumer<List<ServerState>> batches) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        boolean cursor = batchSize < serverIds.size();
        if (cursor && autoCommit) {
            connection.setAutoCommit(false); // the driver fetches in batches only inside a transaction
        }
        try (PreparedStatement st = connection.prepareStatement(SQL)) {
            // The same array twice: "= ANY" lets PostgreSQL hash it and filter one pass over each table
            // (or probe the index for a few ids), where a join with the unnested ids made it walk the
            // whole primary key index and probe allocations once per id.
            Array ids = connection.createArrayOf("text", serverIds.toArray());
            st.setArray(1, ids);
            st.setArray(2, ids);
            if (cursor) {
                st.setFetchSize(batchSize);
            }
            try (ResultSet rs = st.executeQuery()) {
                List<ServerState> batch = new ArrayList<>(Math.min(batchSize, serverIds.size()));
                while (rs.next()) {
                    batch.add(read(rs));
                    if (batch.size() == batchSize) {
                        batches.accept(batch);
                        batch = new ArrayList<>(batchSize);
                    }
                }
                if (!batch.isEmpty()) {
                    batches.accept(batch);
                }
            }
        } finally {
            if (cursor && autoCommit) {
                connection.rollback(); // read only: nothing to keep
                connection.setAutoCommit(true);
            }
        }
    }

    private static ServerState read(ResultSet rs) throws SQLException {
        String primaryAllocationId = rs.getString(19);
        String nodeId = rs.getString(20);
        String host = rs.getString(22);
        int port = rs.getInt(23);
        ServerState.Node node = new ServerState.Node(
                nodeId,
                nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId,
                rs.getString(21),
                host,
                port,
                lower(rs.getString(24)),
                rs.getInt(25),
                rs.getBoolean(26),
                host,
                port,
                new ServerState.Location(rs.getString(27), rs.getString(28)));
        return new ServerState(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                lower(rs.getString(4)),
                rs.getBoolean(5),
                rs.getString(6),
                rs.getLong(7),
                rs.getLong(8),
                rs.getDouble(9),
                rs.getString(10),
                rs.getLong(11),
                rs.getBoolean(12),
                rs.getInt(13),
                rs.getString(14),
                rs.getString(15),
                rs.getString(16),
                utc(rs.getObject(17, LocalDateTime.class)),
                utc(rs.getObject(18, LocalDateTime.class)),
                node,
                allocations(rs.getArray(31), rs.getArray(32), rs.getArray(33), primaryAllocationId),
                new ServerState.Blueprint(rs.getString(29), rs.getString(30)));
    }

    private static List<ServerState.Allocation> allocations(Array ids, Array ips, Array ports, String primaryId)
            throws SQLException {
        if (ids == null) {
            return List.of();
        }
        String[] idValues = (String[]) ids.getArray();
        String[] ipValues = (String[]) ips.getArray();
        Integer[] portValues = (Integer[]) ports.getArray();
        List<ServerState.Allocation> result = new ArrayList<>(idValues.length);
        for (int i = 0; i < idValues.length; i++) {
            result.add(new ServerState.Allocation(idValues[i], ipValues[i], portValues[i],
                    idValues[i].equals(primaryId)));
        }
        result.sort(ALLOCATION_ORDER);
        return result;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /** The panel stores UTC wall time without a zone. */
    private static Instant utc(LocalDateTime t) {
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }
}
