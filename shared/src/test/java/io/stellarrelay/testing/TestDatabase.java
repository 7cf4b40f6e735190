package io.stellarrelay.testing;

import io.stellarrelay.db.ScratchDatabase;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.UUID;

/**
 * A database of its own for one test class, created from the panel schema and dropped at close, so
 * that tests sharing one PostgreSQL never see each other's rows.
 */
public final class TestDatabase implements AutoCloseable {
    private final ScratchDatabase db;

    private TestDatabase(ScratchDatabase db) {
        this.db = db;
    }

    /** Creates a fresh database holding the panel's tables, empty, on this run's PostgreSQL. */
    public static TestDatabase create() {
        return create(TestServices.shared().adminDatabaseUrl());
    }

    /** The same on the PostgreSQL of {@code adminUrl} (a superuser URL that may create databases). */
    public static TestDatabase create(String adminUrl) {
        String name = "stellar_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT);
        try {
            return new TestDatabase(ScratchDatabase.create(adminUrl, name));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + " (set " + ServiceLocator.DATABASE_VARIABLE
                    + " to a superuser URL)", e);
        }
    }

    /** The panel-style URL of this database, as {@code DATABASE_URL} would hold it. */
    public String url() {
        return db.url();
    }

    public Connection connection() throws SQLException {
        return db.connection();
    }

    /** Runs SQL (several statements allowed) and fails the test on any error. */
    public void execute(String sql) {
        db.execute(sql);
    }

    @Override
    public void close() {
        db.close();
    }
}
