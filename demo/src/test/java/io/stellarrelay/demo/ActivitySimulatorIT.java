package io.stellarrelay.demo;

import io.stellarrelay.testing.ScratchServices;
import io.stellarrelay.testing.TestDatabase;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivitySimulatorIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel().withoutFixtures().withoutRedis();

    private record Row(String status, String previousStatus, String containerId, long memory, double cpu,
                       java.sql.Timestamp updatedAt, boolean suspended) {}

    /** Every server's row, by id: the state before a step, whichever server it picks. */
    private static Map<String, Row> rows(TestDatabase db) throws Exception {
        Map<String, Row> rows = new HashMap<>();
        try (Connection c = db.connection();
             PreparedStatement st = c.prepareStatement("SELECT id FROM servers");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rows.put(rs.getString(1), null);
            }
        }
        for (String id : rows.keySet()) {
            rows.put(id, row(db, id));
        }
        return rows;
    }

    private static Row row(TestDatabase db, String id) throws Exception {
        try (Connection c = db.connection();
             PreparedStatement st = c.prepareStatement("""
                     SELECT status::text, "previousStatus"::text, "containerId", memory, cpu, "updatedAt", suspended
                       FROM servers WHERE id = ?""")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getDouble(5),
                        rs.getTimestamp(6), rs.getBoolean(7));
            }
        }
    }

    private static void loadDemoData(TestDatabase db) {
        db.execute(DemoInstallation.script());
    }

    @Test
    @DisplayName("each step moves one unsuspended server one step along its life and touches updatedAt")
    void stepChangesOneServerLikeADaemonWould() throws Exception {
        TestDatabase db = services.db();
        try (DemoDatabase demo = new DemoDatabase(db.url())) {
            loadDemoData(db);
            ActivitySimulator simulator = new ActivitySimulator(demo.dataSource(), new Random(7), change -> { });
            for (int i = 0; i < 20; i++) {
                Map<String, Row> beforeStep = rows(db);
                ActivitySimulator.Change change = simulator.step();
                assertNotNull(change);
                Row before = beforeStep.get(change.serverId());
                Row after = row(db, change.serverId());
                assertEquals(after.status(), change.status(), "the change reports the new status");
                assertTrue(!after.suspended(), "suspended servers are left alone");
                assertEquals(before.status(), after.previousStatus(), "the old status is kept as the previous one");
                assertTrue(after.updatedAt().after(before.updatedAt()), "updatedAt moves on");
                String expected = switch (after.previousStatus()) {
                    case "RUNNING" -> after.status().equals("ERROR") ? "ERROR" : "STOPPING";
                    case "STOPPING" -> "STOPPED";
                    case "STOPPED", "ERROR", "INSTALLING" -> "STARTING";
                    case "STARTING" -> "RUNNING";
                    default -> after.previousStatus();
                };
                assertEquals(expected, after.status(), "status follows a server's life");
                if (after.previousStatus().equals("STOPPED")) {
                    assertTrue(after.containerId().startsWith("ctr-"), "a start gets a new container");
                }
                if (!after.status().equals("STARTING")) {
                    // Usage is reported against the limits: they must not move under a running server.
                    assertEquals(before.memory(), after.memory(), "memory limit changes only with a start");
                    assertEquals(before.cpu(), after.cpu(), "cpu limit changes only with a start");
                }
            }
        }
    }

    @Test
    @DisplayName("a crash puts the server in error at once and announces it like any step; unknown servers are refused")
    void crashMakesAServerFailNow() throws Exception {
        TestDatabase db = services.db();
        try (DemoDatabase demo = new DemoDatabase(db.url())) {
            loadDemoData(db);
            List<ActivitySimulator.Change> announced = new ArrayList<>();
            ActivitySimulator simulator = new ActivitySimulator(demo.dataSource(), new Random(7), announced::add);
            Row before = row(db, "srv_demo_01");

            ActivitySimulator.Change change = simulator.crash("srv_demo_01").orElseThrow();

            assertEquals(new ActivitySimulator.Change("srv_demo_01", "bp_minecraft_java", "ERROR"), change);
            assertEquals(List.of(change), announced);
            Row after = row(db, "srv_demo_01");
            assertEquals("ERROR", after.status());
            assertEquals(before.status(), after.previousStatus());
            assertEquals(Optional.empty(), simulator.crash("srv_demo_06"), "a suspended server does not crash");
            assertEquals(Optional.empty(), simulator.crash("srv_nope"));
            assertEquals(1, announced.size());
        }
    }
}
