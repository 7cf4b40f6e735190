package io.stellarrelay.poller;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
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
    private final RedisCommands redis;
    private final RedisNames names;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final SetParams lastSyncTtl;
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
    private final PollerMetrics metrics;

    SyncPublisher(DataSource dataSource, RedisCommands redis, RedisNames names, Duration pollInterval,
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
        Batch batch = new Batch();
        try (AbstractPipeline pipeline = redis.client().pipelined()) {
            for (int i = 0; i < payloads.length; i++) {
                ServerState state = states.get(i);
                byte[] channel = names.serverChannelBytes(state.id());
                batch.publish(pipeline, channel, payloads[i]);
                batch.store(pipeline, names.lastSyncKey(state.id()), payloads[i]);
                String previous = lastStatus.put(state.id(), state.status());
                if (!tick && previous != null && !previous.equals(state.status())) {
                    batch.publish(pipeline, channel, codec.encodeToBytes(new ServerMessage.ServerStatus(
                            state.id(), new ServerMessage.ServerStatus.Status(state.status()))));
                }
            }
            pipeline.sync();
        } catch (RuntimeException e) {
            metrics.publishFailed(batch.publishes.size());
            throw e;
        }
        batch.settle();
        if (tick) {
            // A tick covers every watched server: forget the ones nobody watches any more.
            lastStatus.keySet().retainAll(serverIds);
        }
        long t3 = System.nanoTime();
        return new TickReport(serverIds.size(), states.size(), 1, registryRead, Duration.ofNanos(t1 - t0),
                Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
    }

    private record Publish(byte[] channel, byte[] message, Response<Long> reply) {}

    private record Store(byte[] key, byte[] value, Response<String> reply) {}

    /**
     * The commands of one pipeline and what became of them. A pipeline reports Redis's answers only in
     * each reply, so every reply is looked at: on a cluster, a command sent to a node that no longer
     * owns the slot answers MOVED (or ASK while the slot moves), and those commands, and only those, so
     * that no client gets a frame twice, are sent again after the slot map is refreshed, through the
     * cluster client, which follows redirections itself. Refusals (ACL, out of memory, read-only
     * replica) are counted and fail the sync, which the caller logs once per outage.
     */
    private final class Batch {
        final List<Publish> publishes = new ArrayList<>();
        final List<Store> stores = new ArrayList<>();
        private boolean slotsRefreshed;

        void publish(AbstractPipeline pipeline, byte[] channel, byte[] message) {
            publishes.add(new Publish(channel, message, redis.publish(pipeline, channel, message)));
        }

        void store(AbstractPipeline pipeline, byte[] key, byte[] value) {
            stores.add(new Store(key, value, pipeline.set(key, value, lastSyncTtl)));
        }

        void settle() {
            int refused = 0;
            JedisDataException first = null;
            for (Publish p : publishes) {
                try {
                    p.reply().get();
                } catch (JedisRedirectionException moved) {
                    refreshSlotsOnce();
                    redis.publish(p.channel(), p.message());
                } catch (JedisDataException e) {
                    refused++;
                    first = first == null ? e : first;
                }
            }
            for (Store st : stores) {
                try {
                    st.reply().get();
                } catch (JedisRedirectionException moved) {
                    refreshSlotsOnce();
                    redis.client().set(st.key(), st.value(), lastSyncTtl);
                } catch (JedisDataException e) {
                    first = first == null ? e : first;
                }
            }
            if (refused > 0) {
                metrics.publishFailed(refused);
            }
            if (first != null) {
                throw new IllegalStateException("Redis refused " + refused + " of " + publishes.size()
                        + " publishes: " + first.getMessage(), first);
            }
        }

        private void refreshSlotsOnce() {
            if (!slotsRefreshed) {
                redis.refreshSlots();
                slotsRefreshed = true;
            }
        }
    }
}
