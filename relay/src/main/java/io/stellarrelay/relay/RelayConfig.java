package io.stellarrelay.relay;

import io.stellarrelay.config.EnvReader;
import io.stellarrelay.config.Ids;
import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.config.Secret;
import io.stellarrelay.config.SharedSettings;
import io.stellarrelay.relay.guard.IpRange;
import io.stellarrelay.relay.guard.OriginPolicy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything a relay reads from its environment. See docs/configuration.md for each variable and its default.
 *
 * @param subscribeRedis where the relay's pub/sub connection goes: {@code REDIS_URL}'s Redis, or a replica of
 *                       it near the relay (everything the relay writes still goes to {@code REDIS_URL})
 * @param relayId        unique per process; names this relay's watch set in Redis
 * @param idleTimeout    a socket with no traffic either way for this long is closed
 * @param pingInterval   how often the relay pings every socket, which also keeps quiet clients alive
 */
public record RelayConfig(
        SharedSettings shared,
        RedisSettings subscribeRedis,
        String host,
        int port,
        Secret authSecret,
        String relayId,
        int databasePoolSize,
        int deliveryThreads,
        Duration idleTimeout,
        Duration pingInterval,
        Security security,
        Limits limits,
        Drain drain,
        Console console) {

    /**
     * How console output is batched and capped per server (see docs/live-events.md).
     *
     * @param batchWindow       lines are collected this long from the first one into one frame
     * @param maxLinesPerSecond lines forwarded per server per second; the rest are counted as dropped
     * @param maxLineBytes      longer lines are cut to this many UTF-8 bytes
     * @param historyLines      lines a socket gets at once when it opts in to a console (0: none)
     */
    public record Console(Duration batchWindow, int maxLinesPerSecond, int maxLineBytes, int historyLines) {}

    /**
     * How a relay leaves on SIGTERM (rolling restarts).
     *
     * @param timeout       the relay exits within this, whatever is left
     * @param batchSize     sockets closed at a time, so they do not all reconnect in the same instant
     * @param batchInterval pause between batches
     */
    public record Drain(Duration timeout, int batchSize, Duration batchInterval) {}

    /**
     * @param allowedOrigins     browser origins that may use the session cookie; empty: same origin only
     * @param trustedProxies     peers whose X-Forwarded-For is believed
     * @param revalidateInterval how often live sessions and subscriptions are checked again
     */
    public record Security(List<String> allowedOrigins, List<IpRange> trustedProxies, Duration revalidateInterval) {}

    /**
     * @param authTimeout                   unauthenticated sockets are closed after this long
     * @param maxMessageBytes               largest inbound frame
     * @param maxSubscriptionsPerConnection servers one socket may watch at once
     * @param messagesPerSecond             sustained inbound rate per socket
     * @param messageBurst                  inbound burst per socket (a reconnect re-subscribes everything at once)
     * @param maxAuthFailuresPerConnection  failed auth attempts before the socket is closed
     * @param maxAuthFailuresPerAddress     failed auth attempts per client address per minute
     * @param maxConnectionsPerAddress      open sockets per client address
     * @param maxConnectionsPerUser         open authenticated sockets per user
     * @param maxBufferedBytes              bytes queued for a socket that is not reading before it is cut off
     */
    public record Limits(Duration authTimeout, int maxMessageBytes, int maxSubscriptionsPerConnection,
                         int messagesPerSecond, int messageBurst, int maxAuthFailuresPerConnection,
                         int maxAuthFailuresPerAddress, int maxConnectionsPerAddress, int maxConnectionsPerUser,
                         long maxBufferedBytes) {}

    public static final String REDIS_SUBSCRIBE_URL = "REDIS_SUBSCRIBE_URL";
    public static final String HOST = "HOST";
    public static final String PORT = "PORT";
    public static final String BETTER_AUTH_SECRET = "BETTER_AUTH_SECRET";
    public static final String RELAY_ID = "RELAY_ID";
    public static final String DATABASE_POOL_SIZE = "DATABASE_POOL_SIZE";
    public static final String DELIVERY_THREADS = "DELIVERY_THREADS";
    public static final String WS_IDLE_TIMEOUT_MS = "WS_IDLE_TIMEOUT_MS";
    public static final String WS_PING_INTERVAL_MS = "WS_PING_INTERVAL_MS";

    public static final String ALLOWED_ORIGINS = "ALLOWED_ORIGINS";
    public static final String TRUSTED_PROXIES = "TRUSTED_PROXIES";
    public static final String REVALIDATE_INTERVAL_MS = "REVALIDATE_INTERVAL_MS";
    public static final String AUTH_TIMEOUT_MS = "AUTH_TIMEOUT_MS";
    public static final String MAX_MESSAGE_BYTES = "MAX_MESSAGE_BYTES";
    public static final String MAX_SUBSCRIPTIONS_PER_CONNECTION = "MAX_SUBSCRIPTIONS_PER_CONNECTION";
    public static final String RATE_LIMIT_PER_SECOND = "RATE_LIMIT_PER_SECOND";
    public static final String RATE_LIMIT_BURST = "RATE_LIMIT_BURST";
    public static final String MAX_AUTH_FAILURES_PER_CONNECTION = "MAX_AUTH_FAILURES_PER_CONNECTION";
    public static final String MAX_AUTH_FAILURES_PER_ADDRESS = "MAX_AUTH_FAILURES_PER_ADDRESS";
    public static final String MAX_CONNECTIONS_PER_ADDRESS = "MAX_CONNECTIONS_PER_ADDRESS";
    public static final String MAX_CONNECTIONS_PER_USER = "MAX_CONNECTIONS_PER_USER";
    public static final String WS_MAX_BUFFERED_BYTES = "WS_MAX_BUFFERED_BYTES";
    public static final String SHUTDOWN_TIMEOUT_MS = "SHUTDOWN_TIMEOUT_MS";
    public static final String DRAIN_BATCH_SIZE = "DRAIN_BATCH_SIZE";
    public static final String DRAIN_BATCH_INTERVAL_MS = "DRAIN_BATCH_INTERVAL_MS";
    public static final String CONSOLE_BATCH_MS = "CONSOLE_BATCH_MS";
    public static final String CONSOLE_MAX_LINES_PER_SECOND = "CONSOLE_MAX_LINES_PER_SECOND";
    public static final String CONSOLE_MAX_LINE_BYTES = "CONSOLE_MAX_LINE_BYTES";
    public static final String CONSOLE_HISTORY_LINES = "CONSOLE_HISTORY_LINES";

    public static final int DEFAULT_PORT = 3001;
    private static final Pattern RELAY_ID_PATTERN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public static RelayConfig fromEnvironment(Map<String, String> env) {
        EnvReader reader = new EnvReader(env);
        SharedSettings shared = SharedSettings.read(reader);
        RedisSettings subscribeRedis = reader.parsed(REDIS_SUBSCRIBE_URL, RedisSettings::parse, shared.redis());
        if (shared.redisCluster() && env.get(REDIS_SUBSCRIBE_URL) != null && !env.get(REDIS_SUBSCRIBE_URL).isBlank()) {
            // Sharded subscriptions go to each slot's owner, found through the cluster itself.
            reader.problem(REDIS_SUBSCRIBE_URL + " cannot be used with " + SharedSettings.REDIS_CLUSTER + "=true");
        }
        String host = reader.string(HOST, "0.0.0.0");
        int port = reader.integer(PORT, DEFAULT_PORT, 0, 65535);
        Secret secret = reader.requiredSecret(BETTER_AUTH_SECRET);
        String relayId = reader.matching(RELAY_ID, generatedRelayId(), RELAY_ID_PATTERN,
                "1 to 64 characters from A-Z a-z 0-9 _ . -");
        int poolSize = reader.integer(DATABASE_POOL_SIZE, 10, 1, 200);
        int deliveryThreads = reader.integer(DELIVERY_THREADS, Runtime.getRuntime().availableProcessors(), 1, 256);
        Duration idle = reader.millis(WS_IDLE_TIMEOUT_MS, 120_000, 1_000, 3_600_000);
        Duration ping = reader.millis(WS_PING_INTERVAL_MS, 30_000, 100, 3_600_000);
        if (idle != null && ping != null && ping.compareTo(idle) >= 0) {
            reader.problem(WS_PING_INTERVAL_MS + " (" + ping.toMillis() + ") must be shorter than "
                    + WS_IDLE_TIMEOUT_MS + " (" + idle.toMillis() + "), or quiet clients get closed");
        }
        Security security = new Security(
                reader.list(ALLOWED_ORIGINS, OriginPolicy::canonical),
                reader.list(TRUSTED_PROXIES, IpRange::parse),
                reader.millis(REVALIDATE_INTERVAL_MS, 30_000, 1_000, 3_600_000));
        Limits limits = new Limits(
                reader.millis(AUTH_TIMEOUT_MS, 10_000, 100, 600_000),
                reader.integer(MAX_MESSAGE_BYTES, 4096, 256, 1 << 20),
                reader.integer(MAX_SUBSCRIPTIONS_PER_CONNECTION, 500, 1, 100_000),
                reader.integer(RATE_LIMIT_PER_SECOND, 100, 1, 1_000_000),
                reader.integer(RATE_LIMIT_BURST, 600, 1, 1_000_000),
                reader.integer(MAX_AUTH_FAILURES_PER_CONNECTION, 5, 1, 1_000),
                reader.integer(MAX_AUTH_FAILURES_PER_ADDRESS, 30, 1, 1_000_000),
                reader.integer(MAX_CONNECTIONS_PER_ADDRESS, 500, 1, 1_000_000),
                reader.integer(MAX_CONNECTIONS_PER_USER, 50, 1, 1_000_000),
                reader.integer(WS_MAX_BUFFERED_BYTES, 4 << 20, 16 << 10, 1 << 30));
        Drain drain = new Drain(
                reader.millis(SHUTDOWN_TIMEOUT_MS, 10_000, 100, 600_000),
                reader.integer(DRAIN_BATCH_SIZE, 500, 1, 1_000_000),
                reader.millis(DRAIN_BATCH_INTERVAL_MS, 50, 0, 60_000));
        Console console = new Console(
                reader.millis(CONSOLE_BATCH_MS, 50, 1, 10_000),
                reader.integer(CONSOLE_MAX_LINES_PER_SECOND, 1000, 1, 1_000_000),
                reader.integer(CONSOLE_MAX_LINE_BYTES, 2048, 64, 65_536),
                reader.integer(CONSOLE_HISTORY_LINES, 100, 0, 10_000));
        reader.finish();
        return new RelayConfig(shared, subscribeRedis, host, port, secret, relayId, poolSize, deliveryThreads, idle, ping,
                security, limits, drain, console);
    }

    /** Host name plus a random suffix: a restarted relay must not inherit its predecessor's watch set. */
    static String generatedRelayId() {
        return Ids.hostWithSuffix("relay");
    }

    /** The relay's watch set lives this long without renewal; the poller stops counting it after that. */
    public Duration watchLease() {
        return shared.pollInterval().multipliedBy(2);
    }
}
