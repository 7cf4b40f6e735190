package io.stellarrelay.embedded;

import java.nio.file.Path;

/**
 * PostgreSQL and Redis together in one workspace: started together, stopped in reverse order, and the
 * workspace (binaries, data, sockets) deleted last, so nothing is left behind.
 */
public final class EmbeddedServices implements AutoCloseable {
    private final Workspace workspace;
    private final EmbeddedPostgresServer postgres;
    private final EmbeddedRedisServer redis;

    private EmbeddedServices(Workspace workspace, EmbeddedPostgresServer postgres, EmbeddedRedisServer redis) {
        this.workspace = workspace;
        this.postgres = postgres;
        this.redis = redis;
    }

    public static EmbeddedServices start(String prefix) {
        return start(prefix, null);
    }

    /**
     * @param postgresBinaries where PostgreSQL's binaries are unpacked and kept for the next start, or null
     *                         to unpack them into the workspace (and delete them with it)
     */
    public static EmbeddedServices start(String prefix, Path postgresBinaries) {
        Workspace workspace = Workspace.create(prefix);
        EmbeddedPostgresServer postgres = null;
        try {
            Path postgresDir = workspace.dir("postgres");
            postgres = postgresBinaries == null ? EmbeddedPostgresServer.start(postgresDir)
                    : EmbeddedPostgresServer.start(postgresDir, postgresBinaries);
            EmbeddedRedisServer redis = EmbeddedRedisServer.start(workspace.dir("redis"));
            return new EmbeddedServices(workspace, postgres, redis);
        } catch (RuntimeException e) {
            if (postgres != null) {
                postgres.close();
            }
            workspace.close();
            throw e;
        }
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    public EmbeddedRedisServer redis() {
        return redis;
    }

    public Workspace workspace() {
        return workspace;
    }

    @Override
    public void close() {
        try {
            redis.close();
        } finally {
            try {
                postgres.close();
            } finally {
                workspace.close();
            }
        }
    }
}
