package io.stellarrelay.relay.hub;

import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Holds this relay's one Redis pub/sub connection: one channel per server that a local socket
 * watches (subscribed with the first watcher, dropped after the last), plus the relay's own control
 * channel, which is always there so the connection never ends by running out of channels.
 *
 * <p>Each message is checked once (valid UTF-8, since it goes out as a text frame) and its bytes are
 * handed to every watcher as they are: nothing is parsed or re-encoded per socket.
 *
 * <p>Two threads: the reader blocks in Jedis and delivers; the mirror thread (the only writer on the
 * connection, as Jedis requires) sends SUBSCRIBE/UNSUBSCRIBE. When the connection drops, the reader
 * reconnects with backoff and the mirror re-subscribes every channel still watched. A connection that
 * silently stopped delivering (half-open) is found because the mirror publishes a probe to the control
 * channel every two seconds and the reader gives up after six seconds without any message.
 *
 * <p>The probe is published through the command client ({@code REDIS_URL}) and received on the
 * subscriber connection, which may be on a replica ({@code REDIS_SUBSCRIBE_URL}). So it tests the whole
 * path a sync takes, replication included: a replica that stops replicating delivers no probe either, and
 * is treated like a dead connection (replaced every six seconds, and not {@link #isDelivering()}).
 */
public final class ChannelSubscriber extends HubMirror {
    private static final int CHANNELS_PER_COMMAND = 1000;
    /** A probe goes through the control channel this often while attached. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** A subscriber connection that delivers nothing, not even a probe, for this long is dead. */
    static final Duration SILENCE_LIMIT = PROBE_INTERVAL.multipliedBy(3);
    private static final long MAX_BACKOFF_MS = 2_000;
    private static final byte[] PROBE = "probe".getBytes(StandardCharsets.UTF_8);

    private final RedisConnector connector;
    private final RedisClient commands;
    private final RedisNames names;
    private final byte[] controlChannel;
    private final Thread reader;
    private final Set<String> subscribed = new HashSet<>(); // mirror thread only
    private int appliedGeneration; // mirror thread only
    /*
     * Guards writes to the pub/sub connection. Jedis allows one writer at a time, and a command sent on
     * a connection the reader has already closed would silently open a new, never-read one; so writes
     * happen only under this lock while the connection's generation is the attached one, and the reader
     * detaches under the same lock before it closes anything.
     */
    private final Object writeLock = new Object();
    private Pubsub pubsub; // guarded by writeLock
    private volatile int attachedGeneration; // 0 while not attached; written under writeLock
    private volatile int probedGeneration; // the last connection a probe came through
    private volatile Connection connection;

    public ChannelSubscriber(Hub hub, RedisConnector connector, RedisClient commands, RedisNames names,
                             String relayId) {
        super(hub, "relay-subscriber-writer", PROBE_INTERVAL);
        this.connector = connector;
        this.commands = commands;
        this.names = names;
        this.controlChannel = names.relayControlChannel(relayId).getBytes(StandardCharsets.UTF_8);
        this.reader = Thread.ofPlatform().name("relay-subscriber-reader").daemon().unstarted(this::readLoop);
    }

    @Override
    public void start() {
        super.start();
        reader.start();
    }

    /** True while the pub/sub connection is up and confirmed; commands may be sent on it. */
    private boolean isAttached() {
        return attachedGeneration != 0;
    }

    /**
     * True once a probe published on the command connection has come back through the current pub/sub
     * connection: what is published reaches this relay. Subscribing alone does not prove that when the
     * subscriber is on a replica, whose replication may be broken.
     */
    public boolean isDelivering() {
        int generation = attachedGeneration;
        return generation != 0 && probedGeneration == generation;
    }

    private void readLoop() {
        long backoffMs = 100;
        int generation = 0;
        boolean warned = false;
        while (isRunning()) {
            generation++;
            Pubsub current = new Pubsub(generation);
            Connection c = null;
            try {
                // A half-open connection looks alive forever; with probes arriving every PROBE_INTERVAL,
                // a read that waits SILENCE_LIMIT means the connection is dead, and it is replaced.
                c = connector.newSubscriberConnection(SILENCE_LIMIT);
                connection = c;
                synchronized (writeLock) {
                    pubsub = current;
                }
                current.proceed(c, controlChannel); // blocks while subscribed
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                    throw (VirtualMachineError) e;
                }
                if (current.confirmed) {
                    // The connection had worked: this is a new outage, so start gently and say so once.
                    backoffMs = 100;
                    warned = false;
                }
                if (isRunning() && !warned) {
                    log.warn("Redis pub/sub connection lost, reconnecting: {}", e.toString());
                    warned = true;
                }
            } finally {
                synchronized (writeLock) {
                    attachedGeneration = 0;
                    pubsub = null;
                }
                if (c != null) {
                    c.close();
                }
                connection = null;
            }
            if (!isRunning()) {
                return;
            }
            try {
                // Exponential backoff with jitter so that many relays do not reconnect in lockstep; capped
                // low so that deliveries resume within a couple of seconds of Redis coming back.
                TimeUnit.MILLISECONDS.sleep(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
            } catch (InterruptedException e) {
                return;
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
    }

    /** Sends a probe through Redis to our own control channel; its arrival proves the subscription works. */
    @Override
    protected void onIdle() {
        if (isAttached()) {
            probe();
        }
    }

    private void probe() {
        commands.publish(controlChannel, PROBE);
    }

    @Override
    protected void apply(Set<String> changed) {
        if (!isAttached() || appliedGeneration != attachedGeneration) {
            return; // the resync that follows attachment covers these
        }
        List<String> toSubscribe = new ArrayList<>();
        List<String> toUnsubscribe = new ArrayList<>();
        for (String id : changed) {
            boolean watched = hub.isWatched(id);
            if (watched && subscribed.add(id)) {
                toSubscribe.add(id);
            } else if (!watched && subscribed.remove(id)) {
                toUnsubscribe.add(id);
            }
        }
        send(toSubscribe, true);
        send(toUnsubscribe, false);
    }

    @Override
    protected void resync(Set<String> watched) {
        int generation = attachedGeneration;
        if (generation == 0) {
            return; // not connected; attachment triggers another resync
        }
        boolean fresh = generation != appliedGeneration;
        if (fresh) {
            subscribed.clear(); // a new connection starts with nothing but the control channel
            appliedGeneration = generation;
        }
        List<String> toUnsubscribe = new ArrayList<>();
        for (String id : subscribed) {
            if (!watched.contains(id)) {
                toUnsubscribe.add(id);
            }
        }
        subscribed.removeAll(toUnsubscribe);
        List<String> toSubscribe = new ArrayList<>();
        for (String id : watched) {
            if (subscribed.add(id)) {
                toSubscribe.add(id);
            }
        }
        send(toSubscribe, true);
        send(toUnsubscribe, false);
        if (fresh) {
            probe(); // at once rather than at the next idle round, so readiness follows within a round trip
        }
        log.debug("Pub/sub resynced: {} channels", subscribed.size());
    }

    private void send(List<String> serverIds, boolean subscribe) {
        for (int from = 0; from < serverIds.size(); from += CHANNELS_PER_COMMAND) {
            List<String> chunk = serverIds.subList(from, Math.min(serverIds.size(), from + CHANNELS_PER_COMMAND));
            byte[][] channels = new byte[chunk.size()][];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = names.serverChannelBytes(chunk.get(i));
            }
            synchronized (writeLock) {
                if (pubsub == null || attachedGeneration != appliedGeneration) {
                    return; // the connection this batch was for is gone; the next attachment resyncs
                }
                if (subscribe) {
                    pubsub.subscribe(channels);
                } else {
                    pubsub.unsubscribe(channels);
                }
            }
        }
    }

    @Override
    public void close() {
        super.close();
        synchronized (writeLock) {
            try {
                if (pubsub != null && attachedGeneration != 0) {
                    pubsub.unsubscribe(); // ends proceed() on the reader thread
                }
            } catch (Exception ignored) {
                // the connection may already be gone; closing it below ends the reader anyway
            }
        }
        Connection c = connection;
        if (c != null) {
            c.close();
        }
        reader.interrupt();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One per connection, so nothing written for an old connection can reach a new one. */
    private final class Pubsub extends BinaryJedisPubSub {
        private final int generation;
        volatile boolean confirmed;

        Pubsub(int generation) {
            this.generation = generation;
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            if (java.util.Arrays.equals(channel, controlChannel)) {
                confirmed = true;
                synchronized (writeLock) {
                    attachedGeneration = generation;
                }
                log.info("Redis pub/sub connected");
                requestResync();
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            String serverId = names.serverIdOf(channel);
            if (serverId == null) {
                probedGeneration = generation; // only the control channel carries anything else
                return;
            }
            if (!isValidUtf8(message)) {
                log.warn("Dropped a message on {} that is not valid UTF-8 ({} bytes)",
                        names.serverChannel(serverId), message.length);
                return;
            }
            hub.deliver(serverId, ByteBuffer.wrap(message).asReadOnlyBuffer());
        }
    }

    static boolean isValidUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
