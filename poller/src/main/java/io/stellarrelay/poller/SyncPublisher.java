package io.stellarrelay.poller;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The one way servers get synced, for ticks and for change notifications alike: load them with the
 * one statement of {@link ServerStateQuery}, encode each {@code server:sync} once, and publish all of
 * them (with the copy new subscribers get at once) in one pipeline.
 *
 * <p>It remembers the status it last published per server, so that a sync caused by a notification can
 * also announce a status change as a {@code server:status} event. Ticks keep that memory current but
 * announce nothing: a change a tick finds may be an interval old, and whoever changed the status is
 * the one to announce it without a trigger.
 */
final class SyncPublisher {
    private final DataSource dataSource;
    private final RedisClient redis;
    private final RedisNames names;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final SetParams lastSyncTtl;
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
    private final PollerMetrics metrics;

    SyncPublisher(DataSource dataSource, RedisClient redis, RedisNames names, Duration pollInterval,
                  PollerMetrics metrics) {
        this.metrics = metrics;
        this.dataSource = dataSource;
        this.redis = redis;
        this.names = names;
        // Kept for two intervals: a client subscribing in between gets the state at once.
        this.lastSyncTtl = SetParams.setParams().px(pollInterval.toMillis() * 2);
    }

    /**
     * Syncs {@code serverIds} (ids that name no server are skipped).
     *
     * @param registryRead time spent finding out which servers to sync, for the report
     * @param mayPublish   asked after the query: whether this poller may still publish
     * @param tick         true for a tick's whole watched set (status memory pruned to it, nothing
     *                     announced), false for notified servers (status changes announced)
     */
    TickReport sync(Collection<String> serverIds, Duration registryRead, BooleanSupplier mayPublish, boolean tick)
            throws Exception {
        long t0 = System.nanoTime();
        List<ServerState> states;
        try (Connection connection = dataSource.getConnection()) {
            states = ServerStateQuery.load(connection, serverIds);
        }
        long t1 = System.nanoTime();
        byte[][] payloads = new byte[states.size()][];
        for (int i = 0; i < states.size(); i++) {
            ServerState state = states.get(i);
            payloads[i] = codec.encodeToBytes(new ServerMessage.ServerSync(state.id(), state));
        }
        long t2 = System.nanoTime();
        if (!mayPublish.getAsBoolean()) {
            return new TickReport(serverIds.size(), 0, 1, registryRead, Duration.ofNanos(t1 - t0),
                    Duration.ofNanos(t2 - t1), Duration.ZERO);
        }
        List<Response<Long>> replies = new ArrayList<>(payloads.length);
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (int i = 0; i < payloads.length; i++) {
                ServerState state = states.get(i);
                byte[] channel = names.serverChannelBytes(state.id());
                replies.add(pipeline.publish(channel, payloads[i]));
                pipeline.set(names.lastSyncKey(state.id()), payloads[i], lastSyncTtl);
                String previous = lastStatus.put(state.id(), state.status());
                if (!tick && previous != null && !previous.equals(state.status())) {
                    replies.add(pipeline.publish(channel, codec.encodeToBytes(
                            new ServerMessage.ServerStatus(state.id(), new ServerMessage.ServerStatus.Status(state.status())))));
                }
            }
            pipeline.sync();
        } catch (RuntimeException e) {
            metrics.publishFailed(replies.size());
            throw e;
        }
        checkReplies(replies);
        if (tick) {
            // A tick covers every watched server: forget the ones nobody watches any more.
            lastStatus.keySet().retainAll(serverIds);
        }
        long t3 = System.nanoTime();
        return new TickReport(serverIds.size(), states.size(), 1, registryRead, Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
    }

    /**
     * A pipeline reports Redis's refusals (ACL, OOM) only in each reply, so the publish replies are
     * checked: refused frames are counted and the sync fails, which the caller logs once per outage.
     */
    private void checkReplies(List<Response<Long>> replies) {
        int refused = 0;
        JedisDataException first = null;
        for (Response<Long> reply : replies) {
            try {
                reply.get();
            } catch (JedisDataException e) {
                refused++;
                first = first == null ? e : first;
            }
        }
        if (refused > 0) {
            metrics.publishFailed(refused);
            throw new IllegalStateException("Redis refused " + refused + " of " + replies.size() + " publishes: "
                    + first.getMessage(), first);
        }
    }
}
