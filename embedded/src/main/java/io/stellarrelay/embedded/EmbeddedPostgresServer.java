package io.stellarrelay.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL (zonky's binaries from Maven Central) on a free loopback port, with its binaries
 * and data inside {@code directory}. Superuser {@code postgres}, no password, loopback only.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedPostgresServer start(Path directory) {
        return start(directory, 0, true);
    }

    /**
     * With its binaries unpacked into {@code binaries} instead: a directory kept between runs (the demo's,
     * under its build directory) is unpacked once, which saves seconds of decompression at every start.
     */
    public static EmbeddedPostgresServer start(Path directory, Path binaries) {
        return start(directory, binaries, 0, true);
    }

    /**
     * On a given port ({@code 0}: any free one). With {@code cleanData} false the data directory is kept
     * at close and reused by the next start in the same directory: fault tests restart a database this
     * way, with its data, on the port clients expect.
     */
    public static EmbeddedPostgresServer start(Path directory, int port, boolean cleanData) {
        return start(directory, directory.resolve("binaries"), port, cleanData);
    }

    private static EmbeddedPostgresServer start(Path directory, Path binaries, int port, boolean cleanData) {
        try {
            return new EmbeddedPostgresServer(builderInside(directory)
                    .setOverrideWorkingDirectory(binaries.toFile())
                    .setDataDirectory(directory.resolve("data"))
                    .setCleanDataDirectory(cleanData)
                    .setPort(port)
                    // We stop it ourselves, in order, before the workspace is deleted.
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded PostgreSQL did not start", e);
        }
    }

    /**
     * zonky creates {@code <java.io.tmpdir>/embedded-pg} for every builder unless its working-directory
     * property points elsewhere, and never removes it; point it into our directory for the moment the
     * builder is made.
     */
    private static synchronized EmbeddedPostgres.Builder builderInside(Path directory) {
        String property = "ot.epg.working-dir";
        String previous = System.getProperty(property);
        System.setProperty(property, directory.resolve("instances").toString());
        try {
            return EmbeddedPostgres.builder();
        } finally {
            if (previous == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, previous);
            }
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** A superuser URL for {@code database}, in the panel's {@code DATABASE_URL} form. */
    public String url(String database) {
        return "postgresql://postgres@127.0.0.1:" + port() + "/" + database;
    }

    /** Runs SQL (several statements allowed) in the {@code postgres} database. */
    public void executeAsAdmin(String sql) {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
