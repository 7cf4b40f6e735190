package io.stellarrelay.bench;

import io.stellarrelay.testing.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The benchmark's generated panel: the rows the scenarios count on, by the ids and tokens they compute. */
class FixtureDatabaseIT {
    private FixtureDatabase db;

    @BeforeEach
    void create() {
        db = FixtureDatabase.create(TestServices.shared().adminDatabaseUrl(),
                "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT));
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    @DisplayName("populate: users with a session each, fixed-width servers owned round-robin, two allocations each")
    void populate() throws SQLException {
        db.populate(3, 25);

        assertEquals(Map.of("users", 3L, "sessions", 3L, "servers", 25L, "allocations", 50L, "server_members", 0L,
                "nodes", (long) FixtureDatabase.NODES), db.counts());
        assertEquals(List.of(FixtureDatabase.userId(2)), query("""
                SELECT s."userId" FROM sessions s JOIN users u ON u.id = s."userId"
                 WHERE s.token = ? AND s."expiresAt" > now() AT TIME ZONE 'UTC' AND NOT u.banned""", db.token(2)));
        assertEquals(List.of("bs_0000024|bu_0|bnode_4_0123456789abcdef|RUNNING|ba_24_a"), query("""
                SELECT id || '|' || "ownerId" || '|' || "nodeId" || '|' || status || '|' || "primaryAllocationId"
                  FROM servers WHERE id = ?""", FixtureDatabase.serverId(24)));
        assertEquals(List.of("ba_24_a|1028", "ba_24_b|1029"), query("""
                SELECT id || '|' || port FROM allocations WHERE "serverId" = ? ORDER BY id""",
                FixtureDatabase.serverId(24)));
    }

    @Test
    @DisplayName("shared layout: user i is a member of the servers after its own, never of one it owns")
    void sharedMemberships() throws SQLException {
        db.populate(3, 6);
        db.addSharedMemberships(3, 6, 2);

        // user i: servers (2i + k) % 6 for k < 2, without those it owns (j % 3 == i)
        assertEquals(List.of("bu_0|bs_0000001", "bu_1|bs_0000002", "bu_1|bs_0000003", "bu_2|bs_0000004"), query("""
                SELECT "userId" || '|' || "serverId" FROM server_members
                 WHERE permissions = '{console.read}' ORDER BY 1"""));
    }

    @Test
    @DisplayName("console-flood layout: watchers of server 0 with console permission, quiet members without it")
    void consoleFloodMemberships() throws SQLException {
        db.populate(5, 3);
        db.addConsoleFloodMemberships(3, 2);

        assertEquals(List.of("bu_0|bs_0000000|{console.read}", "bu_1|bs_0000000|{console.read}",
                "bu_2|bs_0000000|{console.read}", "bu_3|bs_0000001|{}", "bu_4|bs_0000002|{}"), query("""
                SELECT "userId" || '|' || "serverId" || '|' || permissions::text FROM server_members ORDER BY 1"""));
    }

    private List<String> query(String sql, String... parameters) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        return values;
    }
}
