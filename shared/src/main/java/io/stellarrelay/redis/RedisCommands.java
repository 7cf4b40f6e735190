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
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.util.function.Function;

/**
 * The command side of Redis for relay and poller, where a standalone Redis and a Redis Cluster differ:
 * how a frame is published (PUBLISH, or SPUBLISH so that it travels only within the channel's shard),
 * where a transaction runs, and which node owns a channel. Everything else is the same
 * {@link UnifiedJedis} API, routed by slot on a cluster.
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

    public UnifiedJedis client() {
        return client;
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
