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
            SELECT s.id AS server_id, s."shortId" AS short_id, s.name AS server_name, s.status::text AS status,
                   s.suspended AS suspended, s."containerId" AS container_id, s.memory AS memory,
                   s.disk AS disk, s.cpu AS cpu, s."cpuPinning" AS cpu_pinning, s.swap AS swap,
                   s."oomKillDisable" AS oom_kill_disable, s."backupLimit" AS backup_limit,
                   s."nodeId" AS server_node_id, s."blueprintId" AS server_blueprint_id, s."ownerId" AS owner_id,
                   s."createdAt" AS created_at, s."updatedAt" AS updated_at,
                   s."primaryAllocationId" AS primary_allocation_id,
                   n.id AS node_id, n."displayName" AS node_name, n.host AS node_host, n.port AS node_port,
                   n.protocol::text AS node_protocol, n."sftpPort" AS node_sftp_port, n."isOnline" AS node_online,
                   l.id AS location_id, l.name AS location_name,
                   b.id AS blueprint_id, b.name AS blueprint_name,
                   al.ids AS allocation_ids, al.ips AS allocation_ips, al.ports AS allocation_ports
              FROM servers s
              JOIN nodes n ON n.id = s."nodeId"
              JOIN locations l ON l.id = n."locationId"
              JOIN blueprints b ON b.id = s."blueprintId"
              LEFT JOIN allocs al ON al."serverId" = s.id
             WHERE s.id = ANY(?::text[])""";

    /**
     * The columns {@link #read} takes, by the names {@link #SQL} gives them: a column added to the
     * statement, anywhere, moves nothing here (ServerStateQueryTest checks that the two list the same).
     */
    enum Column {
        SERVER_ID, SHORT_ID, SERVER_NAME, STATUS, SUSPENDED, CONTAINER_ID, MEMORY, DISK, CPU, CPU_PINNING, SWAP,
        OOM_KILL_DISABLE, BACKUP_LIMIT, SERVER_NODE_ID, SERVER_BLUEPRINT_ID, OWNER_ID, CREATED_AT, UPDATED_AT,
        PRIMARY_ALLOCATION_ID, NODE_ID, NODE_NAME, NODE_HOST, NODE_PORT, NODE_PROTOCOL, NODE_SFTP_PORT, NODE_ONLINE,
        LOCATION_ID, LOCATION_NAME, BLUEPRINT_ID, BLUEPRINT_NAME, ALLOCATION_IDS, ALLOCATION_IPS, ALLOCATION_PORTS;

        /** The name in the statement's select list. */
        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** A result set's rows read by column name; the positions are looked up once per statement. */
    private static final class Row {
        private final ResultSet rs;
        private final int[] positions = new int[Column.values().length];

        Row(ResultSet rs) throws SQLException {
            this.rs = rs;
            for (Column c : Column.values()) {
                positions[c.ordinal()] = rs.findColumn(c.label);
            }
        }

        String string(Column c) throws SQLException {
            return rs.getString(positions[c.ordinal()]);
        }

        long longValue(Column c) throws SQLException {
            return rs.getLong(positions[c.ordinal()]);
        }

        int intValue(Column c) throws SQLException {
            return rs.getInt(positions[c.ordinal()]);
        }

        double doubleValue(Column c) throws SQLException {
            return rs.getDouble(positions[c.ordinal()]);
        }

        boolean booleanValue(Column c) throws SQLException {
            return rs.getBoolean(positions[c.ordinal()]);
        }

        Instant utc(Column c) throws SQLException {
            // The panel stores UTC wall time without a zone.
            LocalDateTime t = rs.getObject(positions[c.ordinal()], LocalDateTime.class);
            return t == null ? null : t.toInstant(ZoneOffset.UTC);
        }

        Array array(Column c) throws SQLException {
            return rs.getArray(positions[c.ordinal()]);
        }
    }

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
                Row row = new Row(rs);
                List<ServerState> batch = new ArrayList<>(Math.min(batchSize, serverIds.size()));
                while (rs.next()) {
                    batch.add(read(row));
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

    private static ServerState read(Row row) throws SQLException {
        String nodeId = row.string(Column.NODE_ID);
        String host = row.string(Column.NODE_HOST);
        int port = row.intValue(Column.NODE_PORT);
        ServerState.Node node = new ServerState.Node(
                nodeId,
                nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId,
                row.string(Column.NODE_NAME),
                host,
                port,
                lower(row.string(Column.NODE_PROTOCOL)),
                row.intValue(Column.NODE_SFTP_PORT),
                row.booleanValue(Column.NODE_ONLINE),
                host,
                port,
                new ServerState.Location(row.string(Column.LOCATION_ID), row.string(Column.LOCATION_NAME)));
        return new ServerState(
                row.string(Column.SERVER_ID),
                row.string(Column.SHORT_ID),
                row.string(Column.SERVER_NAME),
                lower(row.string(Column.STATUS)),
                row.booleanValue(Column.SUSPENDED),
                row.string(Column.CONTAINER_ID),
                row.longValue(Column.MEMORY),
                row.longValue(Column.DISK),
                row.doubleValue(Column.CPU),
                row.string(Column.CPU_PINNING),
                row.longValue(Column.SWAP),
                row.booleanValue(Column.OOM_KILL_DISABLE),
                row.intValue(Column.BACKUP_LIMIT),
                row.string(Column.SERVER_NODE_ID),
                row.string(Column.SERVER_BLUEPRINT_ID),
                row.string(Column.OWNER_ID),
                row.utc(Column.CREATED_AT),
                row.utc(Column.UPDATED_AT),
                node,
                allocations(row.array(Column.ALLOCATION_IDS), row.array(Column.ALLOCATION_IPS),
                        row.array(Column.ALLOCATION_PORTS), row.string(Column.PRIMARY_ALLOCATION_ID)),
                new ServerState.Blueprint(row.string(Column.BLUEPRINT_ID), row.string(Column.BLUEPRINT_NAME)));
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
}
