package io.stellarrelay.redis;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.config.SharedSettings;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.providers.ClusterConnectionProvider;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes Redis connections from {@link RedisSettings}: a pooled client for commands, single ones for pub/sub.
 * In cluster mode the settings are the seed nodes, and {@link #newCommands} routes by slot.
 */
public final class RedisConnector {
    /**
     * The system property Jedis sizes every connection's output buffer from, read once when its stream
     * class loads (default 8 KiB). A process that pipelines megabytes per round (the poller: a frame of
     * about 1 KB per watched server per tick) writes them in 8 KiB system calls with the default.
     */
    public static final String OUTPUT_BUFFER_PROPERTY = "jedis.bufferSize.output";
    /** What {@link #useLargeOutputBuffers} sets: 64 KiB, eight times fewer writes for a large pipeline. */
    public static final int LARGE_OUTPUT_BUFFER = 64 * 1024;

    /**
     * Gives this process's Redis connections 64 KiB output buffers, unless the property is set already
     * (an operator's {@code -D} wins). Call first thing in {@code main}, before any Redis connection is
     * made: the size is read once.
     */
    public static void useLargeOutputBuffers() {
        if (System.getProperty(OUTPUT_BUFFER_PROPERTY) == null) {
            System.setProperty(OUTPUT_BUFFER_PROPERTY, Integer.toString(LARGE_OUTPUT_BUFFER));
        }
    }

    private static final int COMMAND_TIMEOUT_MS = 2_000;
    /** Tries per cluster command, following MOVED and ASK redirections and riding out a failover. */
    private static final int CLUSTER_MAX_ATTEMPTS = 5;

    private final List<RedisSettings> nodes;
    private final boolean cluster;
    private final String clientName;

    public RedisConnector(RedisSettings settings, String clientName) {
        this(List.of(settings), false, clientName);
    }

    public RedisConnector(List<RedisSettings> nodes, boolean cluster, String clientName) {
        this.nodes = List.copyOf(nodes);
        this.cluster = cluster;
        this.clientName = clientName;
    }

    /** For {@code REDIS_URL} and {@code REDIS_CLUSTER}. */
    public static RedisConnector of(SharedSettings shared, String clientName) {
        return new RedisConnector(shared.redisNodes(), shared.redisCluster(), clientName);
    }

    /** The first (in cluster mode: seed) node; its credentials and TLS setting serve every node. */
    public RedisSettings settings() {
        return nodes.get(0);
    }

    public boolean isCluster() {
        return cluster;
    }

    private DefaultJedisClientConfig.Builder baseConfig() {
        RedisSettings settings = settings();
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .clientName(clientName)
                .database(settings.database())
                .ssl(settings.tls())
                .connectionTimeoutMillis(COMMAND_TIMEOUT_MS)
                .socketTimeoutMillis(COMMAND_TIMEOUT_MS)
                // RESP2: with RESP3 a PING on a subscribed connection broke Jedis' reader.
                .protocol(RedisProtocol.RESP2);
        if (settings.user() != null) {
            b.user(settings.user());
        }
        if (settings.password() != null) {
            b.password(settings.password().reveal());
        }
        return b;
    }

    private static GenericObjectPoolConfig<Connection> poolConfig(int maxConnections) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMinIdle(1);
        pool.setMaxWait(Duration.ofMillis(COMMAND_TIMEOUT_MS));
        pool.setTestWhileIdle(true);
        // Without an evictor run, testWhileIdle never happens: check idle connections every 30 s so a
        // dead one is found by the pool rather than by the next command's timeout.
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        return pool;
    }

    /** A pooled client for ordinary commands, pipelines and scripts, on a standalone Redis. Close it when done. */
    public RedisClient newClient(int maxConnections) {
        if (cluster) {
            throw new IllegalStateException("a Redis Cluster needs newCommands()");
        }
        return RedisClient.builder()
                .hostAndPort(address(settings()))
                .clientConfig(baseConfig().build())
                .poolConfig(poolConfig(maxConnections))
                .build();
    }

    /**
     * The command side for relay and poller: a pooled standalone client, or a cluster client (up to
     * {@code maxConnections} per node) with the slot map it routes by. Close it when done.
     */
    public RedisCommands newCommands(int maxConnections) {
        if (!cluster) {
            return RedisCommands.standalone(newClient(maxConnections));
        }
        Set<HostAndPort> seeds = new LinkedHashSet<>();
        nodes.forEach(n -> seeds.add(address(n)));
        JedisClientConfig config = baseConfig().build();
        // Our own provider, so that sharded subscribers can ask it which node owns a slot.
        ClusterConnectionProvider slots = new ClusterConnectionProvider(seeds, config, poolConfig(maxConnections));
        RedisClusterClient client = RedisClusterClient.builder()
                .nodes(seeds)
                .connectionProvider(slots)
                .clientConfig(config)
                .maxAttempts(CLUSTER_MAX_ATTEMPTS)
                .maxTotalRetriesDuration(Duration.ofMillis((long) COMMAND_TIMEOUT_MS * CLUSTER_MAX_ATTEMPTS))
                .build();
        return RedisCommands.cluster(client, slots);
    }

    /**
     * A dedicated connection for a subscriber. {@code readTimeout} bounds how long a read may wait for
     * anything once subscribed. Zero waits forever, and each read is then one blocking system call: the
     * owner finds a silent connection with {@link SubscriberConnection#silentNanos} and
     * {@link SubscriberConnection#abort}s it.
     */
    public SubscriberConnection newSubscriberConnection(Duration readTimeout) {
        return newSubscriberConnection(address(settings()), readTimeout);
    }

    /** The same to one node of a cluster (sharded pub/sub is served by the node that owns the slot). */
    public SubscriberConnection newSubscriberConnection(HostAndPort node, Duration readTimeout) {
        JedisClientConfig config = baseConfig()
                .blockingSocketTimeoutMillis((int) readTimeout.toMillis())
                .build();
        // Jedis' own factory for TLS (it layers the handshake and host check on a plain socket) and for
        // timed reads (on a channel's socket each would switch the socket's blocking mode twice).
        JedisSocketFactory sockets = config.isSsl() || !readTimeout.isZero()
                ? new DefaultJedisSocketFactory(node, config)
                : new ChannelSocketFactory(node, config.getConnectionTimeoutMillis(), config.getSocketTimeoutMillis());
        return new SubscriberConnection(sockets, config);
    }

    private static HostAndPort address(RedisSettings settings) {
        return new HostAndPort(settings.host(), settings.port());
    }
}
