package io.stellarrelay.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The variables relay and poller both read, so that one {@code .env} serves both (and the panel).
 *
 * @param readDatabase where the services' reads go: {@code DATABASE_READ_URL} (a streaming replica of the
 *                     panel's database), or {@code DATABASE_URL} when that is not set
 * @param redisNodes   the Redis of {@code REDIS_URL}; with {@code REDIS_CLUSTER}, the cluster's seed nodes
 * @param redisCluster whether Redis is a Redis Cluster (sharded pub/sub, keys routed by slot)
 * @param pollInterval how often the poller publishes; relays derive their registration lease from it
 * @param redisPrefix  namespace of every Redis key and channel
 */
public record SharedSettings(DatabaseSettings database, DatabaseSettings readDatabase, List<RedisSettings> redisNodes, boolean redisCluster,
                             Duration pollInterval, String redisPrefix) {

    public static final String DATABASE_URL = "DATABASE_URL";
    public static final String DATABASE_READ_URL = "DATABASE_READ_URL";
    public static final String REDIS_URL = "REDIS_URL";
    public static final String REDIS_CLUSTER = "REDIS_CLUSTER";
    public static final String POLL_INTERVAL_MS = "POLL_INTERVAL_MS";
    public static final String REDIS_PREFIX = "REDIS_PREFIX";

    public static final long DEFAULT_POLL_INTERVAL_MS = 5000;
    public static final String DEFAULT_REDIS_PREFIX = "stellar";
    // No braces (they are Redis Cluster hash tags in our key names), no spaces or wildcards.
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    public static SharedSettings read(EnvReader env) {
        DatabaseSettings database = env.requiredParsed(DATABASE_URL, DatabaseSettings::parse);
        DatabaseSettings readDatabase = env.parsed(DATABASE_READ_URL, DatabaseSettings::parse, database);
        boolean cluster = env.flag(REDIS_CLUSTER, false);
        List<RedisSettings> redis = env.requiredParsed(REDIS_URL,
                cluster ? RedisSettings::parseSeeds : url -> List.of(RedisSettings.parse(url)));
        Duration interval = env.millis(POLL_INTERVAL_MS, DEFAULT_POLL_INTERVAL_MS, 100, 3_600_000);
        String prefix = env.matching(REDIS_PREFIX, DEFAULT_REDIS_PREFIX, PREFIX,
                "1 to 64 characters from A-Z a-z 0-9 _ . : -");
        env.matching(Logging.LOG_LEVEL, "info", Logging.LEVEL_PATTERN, "one of trace, debug, info, warn, error");
        return new SharedSettings(database, readDatabase, redis, cluster, interval, prefix);
    }

    /** The Redis of {@code REDIS_URL}; in cluster mode the first seed node (its credentials serve them all). */
    public RedisSettings redis() {
        return redisNodes == null ? null : redisNodes.get(0);
    }
}
