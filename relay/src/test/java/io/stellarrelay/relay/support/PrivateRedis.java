package io.stellarrelay.relay.support;

import io.stellarrelay.embedded.EmbeddedRedisServer;
import io.stellarrelay.embedded.Workspace;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A redis-server of the test's own on a free loopback port, which the test may stop, start again on
 * the same port, or otherwise break without touching the machine's shared Redis. Nothing is persisted,
 * so a restart comes back empty, as a Redis without persistence (or a failover to an empty replica) does.
 */
public final class PrivateRedis implements AutoCloseable {
    private final Workspace workspace;
    private final Path directory;
    private final int port;
    private final List<String> installedSettings; // null: the bundled Redis 6.2; else the installed one with these
    private EmbeddedRedisServer server; // null while stopped
    private Jedis admin; // the test's own connection, reopened as needed

    private PrivateRedis(Workspace workspace, int port, List<String> installedSettings) {
        this.workspace = workspace;
        this.directory = workspace.dir("redis");
        this.port = port;
        this.installedSettings = installedSettings;
    }

    /** Starts one on a free port. */
    public static PrivateRedis start() {
        return start(null);
    }

    /**
     * Starts the machine's own redis-server (7 or newer) on a free port as an empty Redis Cluster node; the
     * caller forms the cluster (see {@link PrivateCluster}).
     */
    public static PrivateRedis startClusterNode() {
        return start(List.of("cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"));
    }

    /** Starts the machine's own redis-server (7 or newer) on a free port with these extra settings. */
    public static PrivateRedis startInstalled(String... settings) {
        return start(List.of(settings));
    }

    private static PrivateRedis start(List<String> installedSettings) {
        Workspace workspace = Workspace.create("stellar-redis-faults");
        try {
            PrivateRedis redis = new PrivateRedis(workspace, EmbeddedRedisServer.freePort(), installedSettings);
            redis.startAgain();
            return redis;
        } catch (IOException e) {
            workspace.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            workspace.close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the server (SIGTERM, waiting for the process to exit): every connection to it ends. */
    public synchronized void stop() {
        dropAdmin();
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Starts a new, empty server on the same port; returns once it accepts connections. */
    public synchronized void startAgain() {
        if (server != null) {
            throw new IllegalStateException("already running");
        }
        server = installedSettings == null ? EmbeddedRedisServer.start(directory, port)
                : EmbeddedRedisServer.startInstalled(directory, port, installedSettings);
    }

    /** Redis's clock in milliseconds (the clock the poller numbers its periods on). */
    public long timeMillis() {
        List<String> time = admin(Jedis::time);
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    /** {@code CLIENT KILL TYPE pubsub}: drops every subscriber connection; returns how many. */
    public long killPubsubClients() {
        return admin(j -> j.clientKill(new ClientKillParams().type(ClientType.PUBSUB)));
    }

    /** {@code ACL SETUSER user rules...}: a user with its own permissions (Redis 6+). */
    public void aclSetUser(String user, String... rules) {
        admin(j -> j.aclSetUser(user, rules));
    }

    /** Connections currently in pub/sub mode. */
    public int pubsubClientCount() {
        return (int) admin(j -> j.clientList(ClientType.PUBSUB)).lines().filter(l -> !l.isBlank()).count();
    }

    /** Makes this server a replica of {@code primary} (REPLICAOF); it resynchronises in the background. */
    public void replicate(PrivateRedis primary) {
        admin(j -> j.replicaof("127.0.0.1", primary.port()));
    }

    /** {@code REPLICAOF NO ONE}: the replica stops replicating and keeps what it had. */
    public void stopReplicating() {
        admin(Jedis::replicaofNoOne);
    }

    /** True when this is a replica whose link to its primary is up. */
    public boolean replicationLinkUp() {
        return admin(j -> j.info("replication")).contains("master_link_status:up");
    }

    /** How many times Redis ran {@code command} since it started, from {@code INFO commandstats}. */
    public long commandCalls(String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        return admin(j -> j.info("commandstats")).lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> Long.parseLong(l.substring(prefix.length(), l.indexOf(',')))).sum();
    }

    /** Runs a command on the test's own connection, reconnecting after a failure. */
    public synchronized <T> T admin(Function<Jedis, T> command) {
        if (server == null) {
            throw new IllegalStateException("private Redis is stopped");
        }
        if (admin == null) {
            admin = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                    .clientName("redis-faults-test")
                    .connectionTimeoutMillis(2_000)
                    .socketTimeoutMillis(2_000)
                    .protocol(RedisProtocol.RESP2)
                    .build());
        }
        try {
            return command.apply(admin);
        } catch (RuntimeException e) {
            dropAdmin();
            throw e;
        }
    }

    private void dropAdmin() {
        if (admin != null) {
            try {
                admin.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
            admin = null;
        }
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            workspace.close();
        }
    }
}
