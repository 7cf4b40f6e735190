package io.stellarrelay.redis;

import io.stellarrelay.config.RedisSettings;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;

import java.time.Duration;

/** Makes Redis connections from {@link RedisSettings}: a pooled client for commands, single ones for pub/sub. */
public final class RedisConnector {
    private static final int COMMAND_TIMEOUT_MS = 2_000;

    private final RedisSettings settings;
    private final String clientName;

    public RedisConnector(RedisSettings settings, String clientName) {
        this.settings = settings;
        this.clientName = clientName;
    }

    public RedisSettings settings() {
        return settings;
    }

    private DefaultJedisClientConfig.Builder baseConfig() {
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

    /** A pooled client for ordinary commands, pipelines and scripts. Close it when done. */
    public RedisClient newClient(int maxConnections) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMinIdle(1);
        pool.setMaxWait(Duration.ofMillis(COMMAND_TIMEOUT_MS));
        pool.setTestWhileIdle(true);
        // Without an evictor run, testWhileIdle never happens: check idle connections every 30 s so a
        // dead one is found by the pool rather than by the next command's timeout.
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        return RedisClient.builder()
                .hostAndPort(new HostAndPort(settings.host(), settings.port()))
                .clientConfig(baseConfig().build())
                .poolConfig(pool)
                .build();
    }

    /**
     * A dedicated connection for a subscriber. {@code readTimeout} bounds how long a read may wait for
     * anything (zero waits forever); pair it with traffic that arrives more often.
     */
    public Connection newSubscriberConnection(Duration readTimeout) {
        JedisClientConfig config = baseConfig()
                .blockingSocketTimeoutMillis((int) readTimeout.toMillis())
                .build();
        return new Connection(new HostAndPort(settings.host(), settings.port()), config);
    }
}
