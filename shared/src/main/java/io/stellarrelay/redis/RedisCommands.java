package io.stellarrelay.redis;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The command side of Redis for relay and poller, where a standalone Redis and a Redis Cluster differ:
 * how a frame is published (PUBLISH, or SPUBLISH so that it travels only within the channel's shard),
 * where a transaction runs, and which node owns a channel. The other commands the services use are
 * passed on to {@link UnifiedJedis}, routed by slot on a cluster; the client itself stays inside.
 */
public final class RedisCommands implements AutoCloseable {
    private final UnifiedJedis client;
    private final ClusterConnectionProvider slots; // null when standalone

    private RedisCommands(UnifiedJedis client, ClusterConnectionProvider slots) {
        this.client = client;
        this.slots = slots;
    }

    static RedisCommands standalone(RedisClient client) {
        return new RedisCommands(client, null);
    }

    static RedisCommands cluster(RedisClusterClient client, ClusterConnectionProvider slots) {
        return new RedisCommands(client, slots);
    }

    /** True when Redis answers PING (readiness probes); throws when it cannot be reached. */
    public boolean ping() {
        return "PONG".equals(client.ping());
    }

    /** Runs a Lua script (EVAL, cached as EVALSHA by the server) on {@code keys} with {@code args}. */
    public Object eval(String script, List<String> keys, List<String> args) {
        return client.eval(script, keys, args);
    }

    public byte[] get(byte[] key) {
        return client.get(key);
    }

    public List<String> mget(String... keys) {
        return client.mget(keys);
    }

    /** SET with options (an expiry, typically). */
    public String set(byte[] key, byte[] value, SetParams params) {
        return client.set(key, value, params);
    }

    public long pexpire(byte[] key, long millis) {
        return client.pexpire(key, millis);
    }

    /** Waits up to {@code timeoutSeconds} for an element of the list; null when none came. */
    public List<String> blpop(int timeoutSeconds, String key) {
        return client.blpop(timeoutSeconds, key);
    }

    public List<String> lpop(String key, int count) {
        return client.lpop(key, count);
    }

    public Set<String> smembers(String key) {
        return client.smembers(key);
    }

    /** A pipeline for many commands in one round trip; {@link #publish(AbstractPipeline, byte[], byte[])} publishes on it. */
    public AbstractPipeline pipelined() {
        return client.pipelined();
    }

    public boolean isCluster() {
        return slots != null;
    }

    /** Publishes one frame: PUBLISH, or SPUBLISH on a cluster (relays there hold sharded subscriptions). */
    public long publish(byte[] channel, byte[] message) {
        return isCluster() ? ((RedisClusterClient) client).spublish(channel, message) : client.publish(channel, message);
    }

    /** The same, queued on a pipeline from {@link UnifiedJedis#pipelined()}. */
    public Response<Long> publish(AbstractPipeline pipeline, byte[] channel, byte[] message) {
        return isCluster() ? ((ClusterPipeline) pipeline).spublish(channel, message) : pipeline.publish(channel, message);
    }

    /**
     * Runs {@code body} in one MULTI/EXEC and returns what it returns (typically {@link Response}s, which
     * can be read after EXEC). On a cluster the transaction runs on the node that owns {@code key}'s slot,
     * so every key it touches must share that slot (our registry keys share the {@code {prefix}} hash tag);
     * a failure there may mean the slot moved, so the slot map is refreshed before the error is passed on.
     */
    public <T> T inTransaction(String key, Function<AbstractTransaction, T> body) {
        if (!isCluster()) {
            try (AbstractTransaction tx = client.multi()) {
                T result = body.apply(tx);
                tx.exec();
                return result;
            }
        }
        try (AbstractTransaction tx = new Transaction(slots.getConnectionFromSlot(JedisClusterCRC16.getSlot(key)),
                true, true)) {
            T result = body.apply(tx);
            tx.exec();
            return result;
        } catch (JedisException e) {
            refreshSlotsQuietly(e);
            throw e;
        }
    }

    /** Cluster only: the node that owns {@code channel}'s slot in the cached slot map. */
    public HostAndPort ownerOf(byte[] channel) {
        int slot = JedisClusterCRC16.getSlot(channel);
        HostAndPort node = slots.getNode(slot);
        if (node == null) {
            throw new JedisException("no node serves slot " + slot + " (the cluster is not ok)");
        }
        return node;
    }

    /** Cluster only: reads the slot map again from the cluster (after MOVED, a migrated slot, a failover). */
    public void refreshSlots() {
        slots.renewSlotCache();
    }

    private void refreshSlotsQuietly(Exception cause) {
        try {
            refreshSlots();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
