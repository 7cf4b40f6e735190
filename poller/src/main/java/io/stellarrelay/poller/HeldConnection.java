package io.stellarrelay.poller;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One database connection kept from tick to tick, so that a tick pays no connection set-up and the
 * driver's server-side prepared statements (named after a few uses of the same SQL) stay valid. It is
 * checked before each use, and a failed use closes it: the next use opens a new one at once, so an
 * outage ends with the first tick after the database answers, as with a fresh connection per tick.
 * Used from the tick thread only.
 */
final class HeldConnection implements AutoCloseable {
    /** Work on the connection. */
    interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private static final int VALIDATION_SECONDS = 2;

    private final DataSource source;
    private Connection connection;

    HeldConnection(DataSource source) {
        this.source = source;
    }

    <T> T use(Work<T> work) throws SQLException {
        // A connection idle since the last tick may have been cut meanwhile (a database restart, a
        // proxy's idle timeout): one round trip finds out, before any work that could be half done.
        if (connection != null && !connection.isValid(VALIDATION_SECONDS)) {
            close();
        }
        if (connection == null) {
            connection = source.getConnection();
        }
        try {
            return work.on(connection);
        } catch (SQLException | RuntimeException e) {
            close(); // its state is unknown after a failure
            throw e;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken: nothing to release
            }
            connection = null;
        }
    }
}
