package io.stellarrelay.testing;

import io.stellarrelay.embedded.EmbeddedPostgresServer;
import io.stellarrelay.embedded.Workspace;

import java.nio.file.Path;

/**
 * A PostgreSQL of a test's own, which the test may stop and start again: same port, same data
 * directory, so clients see a real database restart. Never the shared one: fault tests break this.
 */
public final class PrivatePostgres implements AutoCloseable {
    private final Workspace workspace;
    private final Path directory;
    private final int port;
    private EmbeddedPostgresServer server;

    private PrivatePostgres(Workspace workspace, Path directory, EmbeddedPostgresServer server) {
        this.workspace = workspace;
        this.directory = directory;
        this.server = server;
        this.port = server.port();
    }

    /** Starts one on a free port, with its binaries and data in a fresh temporary directory. */
    public static PrivatePostgres start() {
        Workspace workspace = Workspace.create("stellar-private-pg-");
        try {
            Path directory = workspace.dir("postgres");
            return new PrivatePostgres(workspace, directory, EmbeddedPostgresServer.start(directory, 0, false));
        } catch (RuntimeException e) {
            workspace.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** A superuser URL for the {@code postgres} database (may create databases). */
    public String adminUrl() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** A fresh database with the panel schema and the standard fixtures. */
    public TestDatabase createPanelDatabase() {
        TestDatabase db = TestDatabase.create(adminUrl());
        PanelFixtures.load(db);
        return db;
    }

    public boolean isRunning() {
        return server != null;
    }

    /** Stops the server (fast shutdown: open connections are terminated); returns once it is down. */
    public void stop() {
        if (server != null) {
            EmbeddedPostgresServer stopping = server;
            server = null;
            stopping.close();
        }
    }

    /** Starts it again on the same port with the same data. */
    public void restart() {
        if (server != null) {
            throw new IllegalStateException("already running");
        }
        server = EmbeddedPostgresServer.start(directory, port, false);
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            workspace.close();
        }
    }
}
