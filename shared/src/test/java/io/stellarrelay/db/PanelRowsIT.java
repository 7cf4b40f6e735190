package io.stellarrelay.db;

import io.stellarrelay.db.PanelRows.Series;
import io.stellarrelay.db.PanelRows.Table;
import io.stellarrelay.testing.ScratchServices;
import io.stellarrelay.testing.TestDatabase;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.stellarrelay.db.PanelRows.Table.ALLOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.BLUEPRINTS;
import static io.stellarrelay.db.PanelRows.Table.LOCATIONS;
import static io.stellarrelay.db.PanelRows.Table.NODES;
import static io.stellarrelay.db.PanelRows.Table.SERVERS;
import static io.stellarrelay.db.PanelRows.Table.SERVER_MEMBERS;
import static io.stellarrelay.db.PanelRows.Table.SESSIONS;
import static io.stellarrelay.db.PanelRows.Table.USERS;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PanelRowsIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel().withoutFixtures().withoutRedis();

    @Test
    @DisplayName("every table's columns, and which of them are required, are those of panel-schema.sql")
    void tablesMatchThePanelSchema() throws SQLException {
        try (Connection c = services.db().connection(); PreparedStatement st = c.prepareStatement("""
                SELECT column_name, is_nullable = 'NO' AND column_default IS NULL
                  FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?""")) {
            for (Table table : Table.values()) {
                st.setString(1, table.sqlName());
                Set<String> columns = new HashSet<>();
                Set<String> required = new HashSet<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                        if (rs.getBoolean(2)) {
                            required.add(rs.getString(1));
                        }
                    }
                }
                assertEquals(columns, table.columns(), table.sqlName());
                assertEquals(required, Set.copyOf(table.required()), table.sqlName());
            }
        }
    }

    @Test
    @DisplayName("rows land with the values given: strings, numbers, NULL, JSON, arrays, expressions")
    void rowsLandWithTheirValues() throws SQLException {
        PanelRows rows = new PanelRows();
        rows.insert(USERS, "id", "name", "email", "role").row("u1", "Ann O'Neil", "ann@example.com", "admin");
        rows.insert(SESSIONS, "id", "expiresAt", "token", "userId")
                .row("s1", PanelRows.expr("LOCALTIMESTAMP(3) + interval '1 day'"), "tok-1", "u1");
        rows.insert(LOCATIONS, "id", "name").row("l1", "Here");
        rows.insert(NODES, "id", "displayName", "host", "port", "protocol", "memoryLimit", "diskLimit", "cpuLimit",
                        "token", "tokenHash", "locationId")
                .row("n1", "Node", "node.example.com", 443, "HTTPS", 34359738368L, 1099511627776L, 16, "t", "h", "l1");
        rows.insert(BLUEPRINTS, "id", "name", "dockerImages", "startup", "config", "scripts", "variables", "dockerConfig")
                .row("b1", "Blueprint", "{}", "run", "{\"stop\": \"^C\"}", "{}", "[]", "{}");
        rows.insert(SERVERS, "id", "name", "status", "memory", "disk", "cpu", "swap", "variables", "cpuPinning",
                        "nodeId", "blueprintId", "ownerId", "createdAt", "primaryAllocationId")
                .row("srv1", "One", "RUNNING", 2048, 10240, 150.5, -1, "{\"A\": \"b\"}", null, "n1", "b1", "u1",
                        "2026-03-02 08:15:30.125", "a_srv1_0");
        rows.generate(ALLOCATIONS, Series.range("k", 3))
                .expr("id", "'a_srv1_' || k")
                .set("ip", "10.0.0.1")
                .expr("port", "25565 + k")
                .set("assigned", true)
                .set("nodeId", "n1")
                .set("serverId", "srv1");
        rows.insert(SERVER_MEMBERS, "id", "serverId", "userId", "permissions")
                .row("m1", "srv1", "u1", List.of("console.read", "control.start"));
        TestDatabase db = services.db();
        db.execute(rows.script());

        assertEquals(List.of("Ann O'Neil|admin|false"), query(db,
                "SELECT name || '|' || role || '|' || banned FROM users"));
        assertEquals(List.of("tok-1|true"), query(db,
                "SELECT token || '|' || (\"expiresAt\" > LOCALTIMESTAMP) FROM sessions"));
        assertEquals(List.of("HTTPS|34359738368|16"), query(db,
                "SELECT protocol || '|' || \"memoryLimit\" || '|' || \"cpuLimit\" FROM nodes"));
        assertEquals(List.of("^C"), query(db, "SELECT config ->> 'stop' FROM blueprints"));
        assertEquals(List.of("RUNNING|150.5|-1|b|true|2026-03-02 08:15:30.125|a_srv1_0"), query(db, """
                SELECT status || '|' || cpu || '|' || swap || '|' || (variables ->> 'A') || '|' || ("cpuPinning" IS NULL)
                       || '|' || "createdAt" || '|' || "primaryAllocationId" FROM servers"""));
        assertEquals(List.of("a_srv1_0|25565", "a_srv1_1|25566", "a_srv1_2|25567"), query(db,
                "SELECT id || '|' || port FROM allocations WHERE \"serverId\" = 'srv1' AND assigned ORDER BY id"));
        assertEquals(List.of("{console.read,control.start}"), query(db, "SELECT permissions::text FROM server_members"));
        assertEquals(List.of("true"), query(db, "SELECT (\"updatedAt\" > now() - interval '1 hour')::text FROM users"),
                "updatedAt, not given, is now()");
    }

    private static List<String> query(TestDatabase db, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement st = c.prepareStatement(sql);
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
