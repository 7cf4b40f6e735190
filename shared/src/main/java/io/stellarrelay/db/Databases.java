package io.stellarrelay.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stellarrelay.config.DatabaseSettings;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;

/** Builds the connection pool every service uses; read-only, because the panel owns the data. */
public final class Databases {
    private Databases() {}

    /** One plain connection (no pool), for tools and tests. */
    public static java.sql.Connection connect(DatabaseSettings settings) throws java.sql.SQLException {
        java.util.Properties props = new java.util.Properties();
        if (settings.user() != null) {
            props.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password().reveal());
        }
        return java.sql.DriverManager.getConnection(settings.jdbcUrl(), props);
    }

    /** A data source that opens a new read-only connection per request, with the same timeouts. */
    public static DataSource unpooled(DatabaseSettings settings) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setURL(settings.jdbcUrl());
        if (settings.user() != null) {
            source.setUser(settings.user());
        }
        if (settings.password() != null) {
            source.setPassword(settings.password().reveal());
        }
        source.setReadOnly(true);
        source.setConnectTimeout(3);
        source.setSocketTimeout(30);
        source.setTcpKeepAlive(true);
        return source;
    }

    /** A read-only pool: what the services need of the panel's database. */
    public static HikariDataSource pool(DatabaseSettings settings, String poolName, int maxSize) {
        return pool(settings, poolName, maxSize, true);
    }

    /** A pool that may write too (the demo, playing the panel, writes its own tables). */
    public static HikariDataSource writablePool(DatabaseSettings settings, String poolName, int maxSize) {
        return pool(settings, poolName, maxSize, false);
    }

    private static HikariDataSource pool(DatabaseSettings settings, String poolName, int maxSize, boolean readOnly) {
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
        config.setReadOnly(readOnly);
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
