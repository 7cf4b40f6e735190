package io.stellarrelay.demo;

import com.zaxxer.hikari.HikariDataSource;
import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import io.stellarrelay.db.ScratchDatabase;
import io.stellarrelay.poller.PanelIndexes;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The demo's own access to its database: loading the panel schema and demo rows, and the writes of
 * the activity simulator. Production services only ever read; this is the demo playing the panel.
 */
final class DemoDatabase implements AutoCloseable {
    private final HikariDataSource pool;

    DemoDatabase(String databaseUrl) {
        this.pool = Databases.writablePool(DatabaseSettings.parse(databaseUrl), "demo-db", 3);
    }

    HikariDataSource dataSource() {
        return pool;
    }

    /**
     * Creates the panel's tables, the indexes stellar-relay asks a panel database to have (as an
     * operator would, so the poller finds nothing to warn about), and fills them with the demo installation.
     */
    void load() {
        execute(ScratchDatabase.panelSchema());
        PanelIndexes.WANTED.forEach(index -> execute(index.createStatement()));
        execute(DemoInstallation.script());
    }

    void execute(String sql) {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Demo SQL failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
