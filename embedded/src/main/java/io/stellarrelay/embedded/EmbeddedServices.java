package io.stellarrelay.embedded;

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
        Workspace workspace = Workspace.create(prefix);
        EmbeddedPostgresServer postgres = null;
        try {
            postgres = EmbeddedPostgresServer.start(workspace.dir("postgres"));
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
