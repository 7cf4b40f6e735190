package io.stellarrelay.poller;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The one way servers get synced, for ticks and for change notifications alike: load the servers to
 * read with the one statement of {@link ServerStateQuery}, encode each {@code server:sync} once (and
 * keep it in {@link SyncFrames}), republish the kept frame of every other server, and publish all of
 * them (with the copy new subscribers get at once) in pipelines.
 *
 * <p>For a kept frame the copy is already in Redis with the same bytes, so it is neither sent nor stored
 * again. Its expiry is renewed ({@code PEXPIRE}) only one tick in {@link #RENEW_EVERY_TICKS}, a third
 * of the kept copies each tick (the plan says which), and copies live one interval longer than that:
 * per tick and server Redis then handles one {@code PUBLISH} and a third of a {@code PEXPIRE} instead
 * of one of each (a {@code PEXPIRE} cost Redis as much as a {@code PUBLISH}, see docs/performance.md).
 * A renewed copy that is gone (Redis restarted, memory evicted) answers 0 and is stored again; until
 * then a relay that finds no copy asks for a sync, as for a server nobody watched.
 *
 * <p>It remembers the status it last published per server, so that a sync caused by a notification can
 * also announce a status change as a {@code server:status} event. Ticks keep that memory current but
 * announce nothing: a change a tick finds may be an interval old, and whoever changed the status is
 * the one to announce it without a trigger.
 */
final class SyncPublisher implements AutoCloseable {
    private final RedisCommands redis;
    private final RedisNames names;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final SetParams lastSyncTtl;
    private final long lastSyncTtlMillis;
    private final SyncFrames frames;
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
    private final PollerMetrics metrics;
    /** Rows per batch: big enough to keep pipelines full, small enough to overlap the work well. */
    static final int BATCH = 1000;
    /**
     * Kept frames per pipeline: they need no reading or encoding to overlap with, so fewer, larger
     * pipelines only save round trips (each one a wait for Redis and for this thread to be scheduled).
     */
    static final int REPUBLISH_BATCH = 5000;
    /**
     * A kept copy's expiry is renewed one tick in this many. Three: copies of servers nobody watches
     * any more linger four intervals instead of two, and Redis handles a third of the renewals.
     */
    static final int RENEW_EVERY_TICKS = 3;
    /** Encodes and publishes batches in order while the query thread reads the next ones. */
    private final ExecutorService publishThread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("poller-publish").daemon().factory());

    SyncPublisher(RedisCommands redis, RedisNames names, Duration pollInterval, SyncFrames frames,
                  PollerMetrics metrics) {
        this.metrics = metrics;
        this.redis = redis;
        this.names = names;
        this.frames = frames;
        // Kept one interval past its next renewal: a client subscribing in between gets the state at once.
        this.lastSyncTtlMillis = pollInterval.toMillis() * (RENEW_EVERY_TICKS + 1);
        this.lastSyncTtl = SetParams.setParams().px(lastSyncTtlMillis);
    }

    /**
     * What a sync does: the servers whose rows are read (and encoded again), the servers whose kept
     * frame is republished, and what finding that out cost.
     *
     * @param statements SQL statements run to find out (the change scan), besides the read itself
     * @param planning   time spent on those statements
     * @param covers     the servers a tick is responsible for (its shares): their kept frames and
     *                   statuses are dropped unless read or republished
     * @param renews     of the servers republished, those whose stored copy's expiry is renewed now
     */
    record Plan(Collection<String> read, Collection<String> republish, int statements, Duration planning,
                Predicate<String> covers, Predicate<String> renews) {
        static Plan readAll(Collection<String> serverIds) {
            return new Plan(serverIds, List.of(), 0, Duration.ZERO, id -> false, id -> false);
        }
    }

    /**
     * Syncs the servers of {@code plan}: those to read are loaded from the database in batches of
     * {@link #BATCH}, each encoded and published on the publishing thread while the next one is read,
     * so the database, this process and Redis work at the same time; kept frames are handed to the
     * publishing thread first, in pipelines of {@link #REPUBLISH_BATCH}, so they go out while the
     * database reads. Ids to read that name no server
     * are skipped, and their kept frames dropped.
     *
     * @param registryRead time spent finding out which servers to sync, for the report
     * @param mayPublish   asked once before anything is published: whether this poller may still
     *                     publish (else nothing of this sync is)
     * @param tick         true for a tick's whole set (status memory and kept frames pruned to it,
     *                     nothing announced), false for notified servers (status changes announced)
     */
    TickReport sync(HeldConnection database, Plan plan, Duration registryRead, BooleanSupplier mayPublish,
                    boolean tick) throws Exception {
        long t0 = System.nanoTime();
        Run run = new Run(mayPublish, tick);
        try {
            List<String> republish = new ArrayList<>(plan.republish());
            for (int from = 0; from < republish.size(); from += REPUBLISH_BATCH) {
                run.submitKept(republish.subList(from, Math.min(republish.size(), from + REPUBLISH_BATCH)), plan.renews());
            }
            if (!plan.read().isEmpty()) {
                database.use(connection -> {
                    ServerStateQuery.stream(connection, plan.read(), BATCH, run::submit);
                    return null;
                });
                for (String id : plan.read()) {
                    if (!run.returned.contains(id)) {
                        frames.remove(id);
                    }
                }
            }
        } catch (LeaseLost e) {
            // Another poller publishes this period: stop reading (closing the cursor) and publish nothing.
        } catch (Exception e) {
            run.abandon();
            throw e;
        }
        long queried = System.nanoTime();
        run.await();
        int watched = plan.read().size() + plan.republish().size();
        if (tick && run.published > 0) {
            // A tick covers every watched server of its shares: forget the ones nobody watches any more.
            Set<String> all = new HashSet<>(plan.read());
            all.addAll(plan.republish());
            Predicate<String> gone = id -> plan.covers().test(id) && !all.contains(id);
            lastStatus.keySet().removeIf(gone);
            frames.removeIf(gone);
        }
        long end = System.nanoTime();
        int statements = plan.statements() + (plan.read().isEmpty() ? 0 : 1);
        return new TickReport(watched, run.published, statements, registryRead,
                plan.planning().plus(Duration.ofNanos(queried - t0)), Duration.ofNanos(run.encodeNanos),
                Duration.ofNanos(run.publishNanos), registryRead.plus(plan.planning()).plus(Duration.ofNanos(end - t0)),
                plan.read().size());
    }

    /**
     * One sync's batches on their way to Redis. The rows read are encoded on the reading thread
     * ({@code encodeNanos} is its own); the publishing counters are written by the publishing thread and
     * read after {@link #await()}, which orders them.
     */
    private final class Run {
        private final BooleanSupplier mayPublish;
        private final boolean tick;
        private final List<Future<?>> pending = new ArrayList<>();
        private Boolean allowed; // decided at the first batch, on the reading thread
        /** Ids the query returned (on the reading thread). */
        final Set<String> returned = new HashSet<>();
        int published;
        long encodeNanos;
        long publishNanos;

        Run(BooleanSupplier mayPublish, boolean tick) {
            this.mayPublish = mayPublish;
            this.tick = tick;
        }

        /**
         * Encodes a batch of rows here, on the reading thread, while the publishing thread sends what came
         * before: the encoding overlaps the publishing instead of adding to it.
         */
        void submit(List<ServerState> states) {
            checkAllowed();
            long t0 = System.nanoTime();
            byte[][] payloads = new byte[states.size()][];
            for (int i = 0; i < payloads.length; i++) {
                ServerState state = states.get(i);
                returned.add(state.id());
                payloads[i] = codec.encodeToBytes(new ServerMessage.ServerSync(state.id(), state));
                frames.put(state.id(), new SyncFrames.Frame(payloads[i],
                        state.allocations().stream().map(ServerState.Allocation::id).toList()));
            }
            encodeNanos += System.nanoTime() - t0;
            pending.add(publishThread.submit(() -> publish(states, payloads)));
        }

        void submitKept(List<String> serverIds, Predicate<String> renews) {
            checkAllowed();
            List<String> ids = List.copyOf(serverIds);
            pending.add(publishThread.submit(() -> republish(ids, renews)));
        }

        private void checkAllowed() {
            if (allowed == null) {
                allowed = mayPublish.getAsBoolean();
            }
            if (!allowed) {
                throw new LeaseLost();
            }
        }

        /**
         * Publishes kept frames and renews the stored copies {@code renews} names; copies that are gone are
         * stored again.
         */
        private void republish(List<String> serverIds, Predicate<String> renews) {
            long t0 = System.nanoTime();
            Batch batch = new Batch();
            int sent = 0;
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (String id : serverIds) {
                    SyncFrames.Frame frame = frames.get(id);
                    if (frame == null) {
                        continue; // dropped meanwhile by a read that found the server gone
                    }
                    batch.publish(pipeline, names.serverChannelBytes(id), frame.bytes());
                    if (renews.test(id)) {
                        batch.renew(pipeline, names.lastSyncKey(id), frame.bytes());
                    }
                    sent++;
                }
                pipeline.sync();
            } catch (RuntimeException e) {
                metrics.publishFailed(batch.publishes.size());
                throw e;
            }
            batch.settle();
            metrics.syncsPublished(sent);
            published += sent;
            publishNanos += System.nanoTime() - t0;
        }

        /** Publishes the frames of rows read (encoded by {@link #submit}) and stores their copies. */
        private void publish(List<ServerState> states, byte[][] payloads) {
            long t1 = System.nanoTime();
            Batch batch = new Batch();
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (int i = 0; i < payloads.length; i++) {
                    ServerState state = states.get(i);
                    byte[] channel = names.serverChannelBytes(state.id());
                    batch.publish(pipeline, channel, payloads[i]);
                    batch.store(pipeline, names.lastSyncKey(state.id()), payloads[i]);
                    String previous = lastStatus.get(state.id());
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
            // Remembered only once published: a status that never went out is announced next time.
            for (ServerState state : states) {
                lastStatus.put(state.id(), state.status());
            }
            metrics.syncsPublished(states.size());
            published += states.size();
            publishNanos += System.nanoTime() - t1;
        }

        /** Waits for every batch; the first failure fails the sync (later batches still ran). */
        void await() throws Exception {
            Exception failure = null;
            for (Future<?> f : pending) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof Exception cause ? cause : e;
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        /** The query failed: batches already handed over still go out (they are correct), then stop. */
        void abandon() {
            try {
                await();
            } catch (Exception ignored) {
                // the query's failure is the one reported
            }
        }
    }

    /** Thrown from the row callback to end the query when this poller may no longer publish. */
    private static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super(null, null, false, false);
        }
    }

    /** Stops the publishing thread once the batches handed to it are out. */
    @Override
    public void close() {
        publishThread.shutdown();
    }

    private record Publish(byte[] channel, byte[] message, Response<Long> reply) {}

    private record Store(byte[] key, byte[] value, Response<String> reply) {}

    private record Renew(byte[] key, byte[] value, Response<Long> reply) {}

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
        final List<Renew> renewals = new ArrayList<>();
        private boolean slotsRefreshed;

        void publish(AbstractPipeline pipeline, byte[] channel, byte[] message) {
            publishes.add(new Publish(channel, message, redis.publish(pipeline, channel, message)));
        }

        void store(AbstractPipeline pipeline, byte[] key, byte[] value) {
            stores.add(new Store(key, value, pipeline.set(key, value, lastSyncTtl)));
        }

        void renew(AbstractPipeline pipeline, byte[] key, byte[] value) {
            renewals.add(new Renew(key, value, pipeline.pexpire(key, lastSyncTtlMillis)));
        }

        void settle() {
            int refused = 0;
            int notStored = 0;
            RuntimeException first = null;
            List<Renew> gone = new ArrayList<>();
            for (Renew r : renewals) {
                try {
                    Long renewed = settle(r.reply(), () -> redis.pexpire(r.key(), lastSyncTtlMillis));
                    if (renewed != null && renewed == 0) {
                        gone.add(r);
                    }
                } catch (RuntimeException e) {
                    notStored++;
                    first = first == null ? e : first;
                }
            }
            if (!gone.isEmpty()) {
                // The copies were lost (Redis restarted, memory evicted): store them again, in one pipeline.
                try (AbstractPipeline pipeline = redis.pipelined()) {
                    for (Renew r : gone) {
                        store(pipeline, r.key(), r.value());
                    }
                    pipeline.sync();
                }
            }
            for (Publish p : publishes) {
                try {
                    settle(p.reply(), () -> redis.publish(p.channel(), p.message()));
                } catch (RuntimeException e) {
                    refused++;
                    first = first == null ? e : first;
                }
            }
            for (Store st : stores) {
                try {
                    settle(st.reply(), () -> redis.set(st.key(), st.value(), lastSyncTtl));
                } catch (RuntimeException e) {
                    notStored++;
                    first = first == null ? e : first;
                }
            }
            if (refused > 0) {
                metrics.publishFailed(refused);
            }
            if (first != null) {
                throw new IllegalStateException("Redis refused " + refused + " of " + publishes.size()
                        + " publishes and " + notStored + " of " + (stores.size() + renewals.size()) + " stored copies: "
                        + first.getMessage(), first);
            }
        }

        /**
         * Looks at one reply; a command redirected by the cluster is sent again once the slot map is
         * fresh. Returns the reply (or the resent command's).
         */
        private <T> T settle(Response<T> reply, java.util.function.Supplier<T> resend) {
            try {
                return reply.get();
            } catch (JedisRedirectionException moved) {
                refreshSlotsOnce();
                return resend.get();
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
