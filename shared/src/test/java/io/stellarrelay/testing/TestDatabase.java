package io.stellarrelay.testing;

import io.stellarrelay.config.DatabaseSettings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * A database of its own for one test class, created from the panel schema and dropped at close, so
 * that tests sharing one PostgreSQL never see each other's rows.
 */
public final class TestDatabase implements AutoCloseable {
    private final DatabaseSettings admin;
    private final String name;
    private final String url;

    private TestDatabase(DatabaseSettings admin, String name, String url) {
        this.admin = admin;
        this.name = name;
        this.url = url;
    }

    /** Creates a fresh database holding the panel's tables, empty, on this run's PostgreSQL. */
    public static TestDatabase create() {
        return create(TestServices.shared().adminDatabaseUrl());
    }

    /** The same on the PostgreSQL of {@code adminUrl} (a superuser URL that may create databases). */
    public static TestDatabase create(String adminUrl) {
        DatabaseSettings admin = DatabaseSettings.parse(adminUrl);
        String name = "stellar_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        try (Connection c = connect(admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create a test database at " + admin.redactedUrl()
                    + " (set " + ServiceLocator.DATABASE_VARIABLE + " to a superuser URL)", e);
        }
        TestDatabase db = new TestDatabase(admin, name, replaceDatabase(adminUrl, name));
        db.execute(panelSchema());
        return db;
    }

    private static String replaceDatabase(String adminUrl, String database) {
        int query = adminUrl.indexOf('?');
        String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
        String rest = query < 0 ? "" : adminUrl.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + rest;
    }

    static String panelSchema() {
        try (InputStream in = TestDatabase.class.getResourceAsStream("/db/panel-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("db/panel-schema.sql is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect(DatabaseSettings settings) throws SQLException {
        Properties props = new Properties();
        if (settings.user() != null) {
            props.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password().reveal());
        }
        return DriverManager.getConnection(settings.jdbcUrl(), props);
    }

    /** The panel-style URL of this database, as {@code DATABASE_URL} would hold it. */
    public String url() {
        return url;
    }

    public Connection connection() throws SQLException {
        return connect(DatabaseSettings.parse(url));
    }

    /** Runs SQL (several statements allowed) and fails the test on any error. */
    public void execute(String sql) {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try (Connection c = connect(admin); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop test database " + name, e);
        }
    }
}
