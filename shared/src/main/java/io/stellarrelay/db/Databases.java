package io.stellarrelay.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stellarrelay.config.DatabaseSettings;

/** Builds the connection pool every service uses; read-only, because the panel owns the data. */
public final class Databases {
    private Databases() {}

    public static HikariDataSource pool(DatabaseSettings settings, String poolName, int maxSize) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(poolName);
        config.setJdbcUrl(settings.jdbcUrl());
        if (settings.user() != null) {
            config.setUsername(settings.user());
        }
        if (settings.password() != null) {
            config.setPassword(settings.password().reveal());
        }
        config.setMaximumPoolSize(maxSize);
        config.setMinimumIdle(1);
        config.setReadOnly(true);
        config.setConnectionTimeout(3_000);
        config.setValidationTimeout(1_000);
        // Start even when the database is down; each use then fails fast and is retried by its caller.
        config.setInitializationFailTimeout(-1);
        // Bounded statements: a stuck query must not hold a tick or a login forever.
        config.addDataSourceProperty("socketTimeout", "30");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }
}
