package io.stellarrelay.poller;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("The poller's check for the indexes a large panel needs")
class PanelIndexesIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel().withoutRedis();
    private DataSource dataSource;

    @BeforeEach
    void createDatabase() {
        dataSource = Databases.unpooled(DatabaseSettings.parse(services.db().url()));
    }

    private List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        PanelIndexes.warnIfMissing(dataSource, warnings::add);
        return warnings;
    }

    private List<String> missingTables() throws Exception {
        try (Connection c = services.db().connection()) {
            return PanelIndexes.missing(c).stream().map(PanelIndexes.Wanted::table).toList();
        }
    }

    @Test
    @DisplayName("warns about each missing index with the statement that creates it, and is quiet once they exist")
    void warnsUntilCreated() throws Exception {
        List<String> warnings = warnings();
        assertEquals(4, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS allocations_server_id_idx ON allocations (\"serverId\");"),
                warnings.get(0));
        assertTrue(warnings.get(1).contains("server_members (\"userId\")"), warnings.get(1));
        assertTrue(warnings.get(2).contains("servers (\"updatedAt\")"), warnings.get(2));
        assertTrue(warnings.get(3).contains("allocations_updated_at_idx ON allocations (\"updatedAt\")"), warnings.get(3));

        // The advertised statement is valid SQL and satisfies the check.
        services.db().execute(PanelIndexes.WANTED.get(0).createStatement());
        assertEquals(List.of("server_members", "servers", "allocations"), missingTables());

        for (PanelIndexes.Wanted w : PanelIndexes.WANTED.subList(1, 4)) {
            services.db().execute(w.createStatement());
        }
        assertEquals(List.of(), missingTables());
        assertEquals(List.of(), warnings());
    }

    @Test
    @DisplayName("counts an index only when the column leads it")
    void leadingColumnOnly() throws Exception {
        services.db().execute("CREATE INDEX alloc_port_server ON allocations (\"port\", \"serverId\")");
        assertTrue(missingTables().contains("allocations"), "serverId second does not help the lookup");
        services.db().execute("CREATE INDEX alloc_server_port ON allocations (\"serverId\", \"port\")");
        assertEquals(List.of("server_members", "servers", "allocations"), missingTables());
    }

    @Test
    @DisplayName("an unreachable database is left to the ticks to report")
    void unreachableDatabase() {
        DataSource nowhere = Databases.unpooled(DatabaseSettings.parse("postgresql://nobody@127.0.0.1:1/none"));
        List<String> warnings = new ArrayList<>();
        PanelIndexes.warnIfMissing(nowhere, warnings::add);
        assertEquals(List.of(), warnings);
    }
}
