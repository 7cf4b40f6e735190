package io.stellarrelay.bench;

import io.stellarrelay.db.PanelRows;
import io.stellarrelay.db.PanelRows.Series;
import io.stellarrelay.db.ScratchDatabase;
import io.stellarrelay.poller.PanelIndexes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.stellarrelay.db.PanelRows.Table.ALLOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.BLUEPRINTS;
import static io.stellarrelay.db.PanelRows.Table.LOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.SERVERS;
import static io.stellarrelay.db.PanelRows.Table.SERVER_MEMBERS;
import static io.stellarrelay.db.PanelRows.Table.SESSIONS;
import static io.stellarrelay.db.PanelRows.Table.USERS;

/**
 * A database of its own for one benchmark run, created on the PostgreSQL of {@code --database-url}
 * from the panel schema, filled with generated rows by {@code generate_series}, and dropped at the end.
 *
 * <p>Rows: users {@code bu_<i>} with one session each (token {@link #token}); servers
 * {@code bs_<7 digits>} (fixed width, so frames have the same length) spread over ten nodes of one
 * location, each with two allocations; memberships where a layout needs them.
 */
public final class FixtureDatabase implements AutoCloseable {
    public static final int NODES = 10;

    private final ScratchDatabase scratch;
    private final String name;
    private final String tokenPrefix;

    private FixtureDatabase(ScratchDatabase scratch, String tokenPrefix) {
        this.scratch = scratch;
        this.name = scratch.name();
        this.tokenPrefix = tokenPrefix;
    }

    /** Creates an empty database holding the panel's tables. */
    public static FixtureDatabase create(String adminUrl, String runId) {
        String name = "stellar_bench_" + runId.toLowerCase(Locale.ROOT);
        return new FixtureDatabase(ScratchDatabase.create(adminUrl, name), "bt" + runId);
    }

    public String name() {
        return name;
    }

    /** The panel-style URL of this database, as the relay's and poller's {@code DATABASE_URL}. */
    public String url() {
        return scratch.url();
    }

    /** The raw session token of user {@code i} (what a client sends in {@code auth}). */
    public String token(int user) {
        return tokenPrefix + String.format(Locale.ROOT, "%08d", user);
    }

    public static String serverId(int j) {
        return String.format(Locale.ROOT, "bs_%07d", j);
    }

    public static String userId(int i) {
        return "bu_" + i;
    }

    /**
     * Inserts {@code users} users with sessions, {@code servers} servers (server j owned by user
     * {@code j % users}) with two allocations each, and ANALYZEs.
     */
    public void populate(int users, int servers) {
        if (users < 1 || servers < 0) {
            throw new IllegalArgumentException("need at least one user");
        }
        String nodeId = "'bnode_' || (j % " + NODES + ") || '_0123456789abcdef'";
        String serverId = "'bs_' || lpad(j::text, 7, '0')";
        PanelRows rows = new PanelRows();
        rows.insert(LOCATIONS, "id", "name", "country", "city").row("bloc_0", "Frankfurt, DE", "DE", "Frankfurt");
        rows.insert(BLUEPRINTS, "id", "name", "dockerImages", "startup", "config", "scripts", "variables", "dockerConfig")
                .row("bbp_0", "Minecraft Java", "{}", "java -jar server.jar", "{}", "{}", "[]", "{}");
        rows.generate(PanelRows.Table.NODES, Series.range("n", NODES))
                .expr("id", "'bnode_' || n || '_0123456789abcdef'")
                .expr("displayName", "'EU-West-' || n")
                .expr("host", "'node' || n || '.example.com'")
                .set("port", 8443)
                .set("protocol", "HTTPS")
                .set("sftpPort", 2022)
                .set("memoryLimit", 68719476736L)
                .set("diskLimit", 2199023255552L)
                .set("cpuLimit", 32)
                .expr("token", "'node-secret-' || n")
                .expr("tokenHash", "'node-hash-' || n")
                .set("isOnline", true)
                .set("locationId", "bloc_0");
        rows.generate(USERS, Series.range("i", users))
                .expr("id", "'bu_' || i")
                .expr("name", "'Bench User ' || i")
                .expr("email", "'bench' || i || '@example.com'")
                .set("role", "user")
                .set("banned", false);
        rows.generate(SESSIONS, Series.range("i", users))
                .expr("id", "'bses_' || i")
                .expr("expiresAt", "(now() AT TIME ZONE 'UTC') + interval '7 days'")
                .expr("token", PanelRows.literal(tokenPrefix) + " || lpad(i::text, 8, '0')")
                .expr("userId", "'bu_' || i");
        rows.generate(SERVERS, Series.range("j", servers))
                .expr("id", serverId)
                .expr("shortId", "lpad(j::text, 8, '0')")
                .expr("name", "'Survival world ' || j")
                .expr("containerId", "'container_' || j || '_4f9c2a'")
                .set("status", "RUNNING")
                .set("suspended", false)
                .set("memory", 4096)
                .set("disk", 20480)
                .expr("cpu", "50 + (j % 7) * 12.5")
                .set("swap", -1)
                .set("backupLimit", 3)
                .set("config", "{\"rcon_password\":\"not-sent\"}")
                .set("variables", "{\"RCON_PASSWORD\":\"not-sent\"}")
                .expr("nodeId", nodeId)
                .set("blueprintId", "bbp_0")
                .expr("ownerId", "'bu_' || (j % " + users + ")")
                .expr("createdAt", "now() - interval '30 days'")
                .expr("primaryAllocationId", "'ba_' || j || '_a'");
        rows.generate(ALLOCATIONS, Series.range("j", servers), Series.values("side", "a", "b"))
                .expr("id", "'ba_' || j || '_' || side")
                .set("ip", "192.0.2.10")
                .expr("port", "1024 + (j / " + NODES + ") * 2 + CASE side WHEN 'a' THEN 0 ELSE 1 END")
                .set("assigned", true)
                .expr("nodeId", nodeId)
                .expr("serverId", serverId);
        execute(rows.script());
        analyze();
    }

    /**
     * Makes user {@code i} a member of servers {@code (i * perClient + k) % servers} for k below
     * {@code perClient}, where it is not the owner (the shared layout of the fan-out scenario).
     */
    public void addSharedMemberships(int users, int servers, int perClient) {
        PanelRows rows = new PanelRows();
        String server = "(i * " + perClient + " + k) % " + servers;
        rows.generate(SERVER_MEMBERS, Series.range("i", users), Series.range("k", perClient))
                .expr("id", "'bm_' || i || '_' || k")
                .expr("serverId", "'bs_' || lpad((" + server + ")::text, 7, '0')")
                .expr("userId", "'bu_' || i")
                .set("permissions", List.of("console.read"))
                .where("(" + server + ") % " + users + " <> i")
                .ignoreConflicts();
        execute(rows.script());
        analyze();
    }

    /**
     * The console-flood layout: users below {@code watchers} become members of server 0 with console
     * permission; user {@code watchers + q} becomes a member of server {@code 1 + q} (q below
     * {@code quiet}) without it.
     */
    public void addConsoleFloodMemberships(int watchers, int quiet) {
        PanelRows rows = new PanelRows();
        rows.generate(SERVER_MEMBERS, Series.range("i", watchers))
                .expr("id", "'bcm_' || i")
                .set("serverId", serverId(0))
                .expr("userId", "'bu_' || i")
                .set("permissions", List.of("console.read"))
                .ignoreConflicts();
        rows.generate(SERVER_MEMBERS, Series.range("q", quiet))
                .expr("id", "'bqm_' || q")
                .expr("serverId", "'bs_' || lpad((1 + q)::text, 7, '0')")
                .expr("userId", "'bu_' || (" + watchers + " + q)")
                .set("permissions", List.of())
                .ignoreConflicts();
        execute(rows.script());
        analyze();
    }

    /** The indexes the poller asks for on large panels (the panel's own migration lacks them). */
    public void addRecommendedIndexes() {
        for (PanelIndexes.Wanted index : PanelIndexes.WANTED) {
            execute(index.createStatement()); // one at a time: CREATE INDEX CONCURRENTLY runs alone
        }
        analyze();
    }

    public void analyze() {
        execute("ANALYZE");
    }

    /** Row counts, for the report. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection c = connection(); Statement st = c.createStatement()) {
            for (String table : new String[] {"users", "sessions", "servers", "allocations", "server_members", "nodes"}) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    counts.put(table, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return counts;
    }

    /** Cumulative activity of this database, read from pg_stat_database on the admin connection. */
    public record Activity(long xactCommit, long xactRollback, long tupReturned, long tupFetched, long nanoTime) {
        public Activity minus(Activity o) {
            return new Activity(xactCommit - o.xactCommit, xactRollback - o.xactRollback, tupReturned - o.tupReturned,
                    tupFetched - o.tupFetched, nanoTime - o.nanoTime);
        }
    }

    public Activity activity() {
        try (Connection c = scratch.adminConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched FROM pg_stat_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("no pg_stat_database row for " + name);
                    }
                    return new Activity(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), System.nanoTime());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PIDs of the server processes connected to this database (pg_stat_activity), e.g. the poller's pool. */
    public java.util.List<Long> backendPids() {
        java.util.List<Long> pids = new java.util.ArrayList<>();
        try (Connection c = scratch.adminConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    /** Whether pg_stat_statements is loaded by the server (then it is installed in this database). */
    public boolean enableStatementStatistics() {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW shared_preload_libraries")) {
                rs.next();
                if (!rs.getString(1).contains("pg_stat_statements")) {
                    return false;
                }
            }
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Sum of pg_stat_statements calls in this database, excluding the benchmark's own reads of it. */
    public long statementCalls() {
        try (Connection c = connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
                      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND query NOT ILIKE '%pg_stat_statements%'""")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The PostgreSQL server version, for the report. */
    public String serverVersion() {
        try (Connection c = scratch.adminConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unknown";
        }
    }

    public Connection connection() throws SQLException {
        return scratch.connection();
    }

    public void execute(String sql) {
        scratch.execute(sql);
    }

    @Override
    public void close() {
        try {
            scratch.close();
        } catch (IllegalStateException e) {
            System.err.println("stellar-bench: " + e.getMessage());
        }
    }

    String adminUrl() {
        return scratch.adminUrl();
    }
}
