package io.stellarrelay.testing;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A Redis namespace of its own for one test class: a unique {@code REDIS_PREFIX}, and at close every key
 * under it deleted (never FLUSHALL: the server is shared). Pub/sub ignores database numbers, which is
 * why isolation is by prefix.
 */
public final class TestRedis implements AutoCloseable {
    private final String url;
    private final String prefix;
    private final RedisClient client;

    private TestRedis(String url, String prefix) {
        this.url = url;
        this.prefix = prefix;
        this.client = new RedisConnector(RedisSettings.parse(url), "stellar-test").newClient(4);
    }

    /** A namespace on this run's Redis. */
    public static TestRedis create() {
        return create(TestServices.shared().redisUrl());
    }

    public static TestRedis create(String url) {
        return new TestRedis(url, "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    public String url() {
        return url;
    }

    public String prefix() {
        return prefix;
    }

    /** A client for the test's own checks and publishes. */
    public RedisClient client() {
        return client;
    }

    /**
     * Writes a relay's watch set as a live relay does (with a lease of a minute), replacing what it held,
     * so a poller reads these servers without a relay running.
     */
    public void relayWatches(String relayId, Set<String> serverIds) {
        RedisNames names = new RedisNames(prefix);
        String key = names.relayWatchKey(relayId);
        client.del(key);
        if (!serverIds.isEmpty()) {
            client.sadd(key, serverIds.toArray(String[]::new));
            client.pexpire(key, 60_000);
        }
        client.sadd(names.relayIndexKey(), relayId);
    }

    /** How many connections are subscribed to {@code channel} (PUBSUB NUMSUB). */
    public long subscribers(String channel) {
        List<?> reply = (List<?>) client.sendCommand(redis.clients.jedis.Protocol.Command.PUBSUB, "NUMSUB", channel);
        return (Long) reply.get(1);
    }

    @Override
    public void close() {
        // Registry keys carry the prefix inside a hash tag, channels and the rest start with it.
        for (String pattern : List.of(prefix + ":*", "{" + prefix + "}:*")) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = client.scan(cursor, new ScanParams().match(pattern).count(500));
                if (!page.getResult().isEmpty()) {
                    client.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        client.close();
    }
}
