package io.stellarrelay.db;

import io.stellarrelay.config.DatabaseSettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A throwaway database with the panel's tables, created through a superuser URL and dropped at close:
 * what the tests and the benchmark run against. Never used by the services, which only read the panel's.
 */
public final class ScratchDatabase implements AutoCloseable {
    private final DatabaseSettings admin;
    private final String adminUrl;
    private final String name;
    private final String url;
    private boolean dropped;

    private ScratchDatabase(String adminUrl, String name) {
        this.adminUrl = adminUrl;
        this.admin = DatabaseSettings.parse(adminUrl);
        this.name = name;
        this.url = replaceDatabase(adminUrl, name);
    }

    /**
     * Creates database {@code name} (letters, digits and underscores) holding the panel's tables, empty.
     *
     * @param adminUrl a superuser URL, in either {@code DATABASE_URL} form, that may create databases
     */
    public static ScratchDatabase create(String adminUrl, String name) {
        if (!name.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        ScratchDatabase db = new ScratchDatabase(adminUrl, name);
        try (Connection c = Databases.connect(db.admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + name + " at " + db.admin.redactedUrl()
                    + " (the URL must name a role that may CREATE DATABASE): " + e.getMessage(), e);
        }
        db.execute(panelSchema());
        return db;
    }

    static String replaceDatabase(String adminUrl, String database) {
        int query = adminUrl.indexOf('?');
        String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
        String rest = query < 0 ? "" : adminUrl.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + rest;
    }

    /** The panel schema this project ships ({@code db/panel-schema.sql}). */
    public static String panelSchema() {
        try (InputStream in = ScratchDatabase.class.getResourceAsStream("/db/panel-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("db/panel-schema.sql is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    /** The URL of this database, as {@code DATABASE_URL} would hold it. */
    public String url() {
        return url;
    }

    public String adminUrl() {
        return adminUrl;
    }

    public Connection connection() throws SQLException {
        return Databases.connect(DatabaseSettings.parse(url));
    }

    /** A connection to the server's administrative database, for server-wide queries. */
    public Connection adminConnection() throws SQLException {
        return Databases.connect(admin);
    }

    /** Runs SQL (several statements allowed); any error is an {@link IllegalStateException}. */
    public void execute(String sql) {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Drops the database (once; later calls do nothing). */
    @Override
    public synchronized void close() {
        if (dropped) {
            return;
        }
        dropped = true;
        try (Connection c = Databases.connect(admin); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot drop database " + name + ": " + e.getMessage(), e);
        }
    }
}
