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
 * watches (subscribed with the first watcher, dropped after the last), one console channel per server
 * whose console a local socket reads (likewise), plus the relay's own control channel, which is always
 * there so the connection never ends by running out of channels.
 *
 * <p>Each server frame is checked once (its first bytes name an allowed type and the channel's server,
 * and it is valid UTF-8, since it goes out as a text frame) and its bytes are handed to every watcher as
 * they are: nothing is parsed or re-encoded per socket. Console messages go to the {@link ConsoleBatcher}.
 * What fails a check is dropped with a rate-limited warning.
 *
 * <p>Two threads: the reader blocks in Jedis and delivers; the mirror thread (the only writer on the
 * connection, as Jedis requires) sends SUBSCRIBE/UNSUBSCRIBE. When the connection drops, the reader
 * reconnects with backoff and the mirror re-subscribes every channel still watched. A connection that
 * silently stopped delivering (half-open) is found because the mirror publishes a probe to the control
 * channel every two seconds and the reader gives up after six seconds without any message.
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
    private final Hub consoles;
    private final ConsoleBatcher consoleBatcher;
    private final int serverIdOffset;
    private final DropWarnings drops = new DropWarnings(log, Duration.ofSeconds(10));
    private final byte[] controlChannel;
    private final Thread reader;
    private final Set<String> subscribed = new HashSet<>(); // channel names; mirror thread only
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
    private volatile Connection connection;

    /**
     * @param hub      watchers of servers: their server channels are subscribed
     * @param consoles console watchers: their console channels are subscribed, messages go to {@code batcher}
     */
    public ChannelSubscriber(Hub hub, Hub consoles, ConsoleBatcher batcher, RedisConnector connector,
                             RedisClient commands, RedisNames names, String relayId) {
        super(hub, "relay-subscriber-writer", PROBE_INTERVAL);
        this.connector = connector;
        this.commands = commands;
        this.names = names;
        this.consoles = consoles;
        this.consoleBatcher = batcher;
        this.serverIdOffset = names.serverChannelBytes("").length;
        this.controlChannel = names.relayControlChannel(relayId).getBytes(StandardCharsets.UTF_8);
        this.reader = Thread.ofPlatform().name("relay-subscriber-reader").daemon().unstarted(this::readLoop);
    }

    @Override
    public void start() {
        super.start();
        reader.start();
    }

    /** True while the pub/sub connection is up and confirmed. */
    public boolean isAttached() {
        return attachedGeneration != 0;
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
            commands.publish(controlChannel, PROBE);
        }
    }

    /** Mirrors channel names: a server's channel follows the hub, its console channel the console hub. */
    @Override
    protected void listen() {
        hub.addListener(id -> changed(names.serverChannel(id)));
        consoles.addListener(id -> changed(names.consoleChannel(id)));
    }

    @Override
    protected Set<String> wanted() {
        Set<String> channels = new HashSet<>();
        for (String id : hub.watchedServers()) {
            channels.add(names.serverChannel(id));
        }
        for (String id : consoles.watchedServers()) {
            channels.add(names.consoleChannel(id));
        }
        return channels;
    }

    private boolean isWanted(String channel) {
        byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
        String serverId = names.serverIdOf(bytes);
        if (serverId != null) {
            return hub.isWatched(serverId);
        }
        String consoleId = names.consoleServerIdOf(bytes);
        return consoleId != null && consoles.isWatched(consoleId);
    }

    @Override
    protected void apply(Set<String> changed) {
        if (!isAttached() || appliedGeneration != attachedGeneration) {
            return; // the resync that follows attachment covers these
        }
        List<String> toSubscribe = new ArrayList<>();
        List<String> toUnsubscribe = new ArrayList<>();
        for (String channel : changed) {
            boolean wanted = isWanted(channel);
            if (wanted && subscribed.add(channel)) {
                toSubscribe.add(channel);
            } else if (!wanted && subscribed.remove(channel)) {
                toUnsubscribe.add(channel);
            }
        }
        send(toSubscribe, true);
        send(toUnsubscribe, false);
    }

    @Override
    protected void resync(Set<String> wanted) {
        int generation = attachedGeneration;
        if (generation == 0) {
            return; // not connected; attachment triggers another resync
        }
        if (generation != appliedGeneration) {
            subscribed.clear(); // a new connection starts with nothing but the control channel
            appliedGeneration = generation;
        }
        List<String> toUnsubscribe = new ArrayList<>();
        for (String channel : subscribed) {
            if (!wanted.contains(channel)) {
                toUnsubscribe.add(channel);
            }
        }
        subscribed.removeAll(toUnsubscribe);
        List<String> toSubscribe = new ArrayList<>();
        for (String channel : wanted) {
            if (subscribed.add(channel)) {
                toSubscribe.add(channel);
            }
        }
        send(toSubscribe, true);
        send(toUnsubscribe, false);
        log.debug("Pub/sub resynced: {} channels", subscribed.size());
    }

    private void send(List<String> channelNames, boolean subscribe) {
        for (int from = 0; from < channelNames.size(); from += CHANNELS_PER_COMMAND) {
            List<String> chunk = channelNames.subList(from, Math.min(channelNames.size(), from + CHANNELS_PER_COMMAND));
            byte[][] channels = new byte[chunk.size()][];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = chunk.get(i).getBytes(StandardCharsets.UTF_8);
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
            if (serverId != null) {
                deliverServerFrame(serverId, channel, message);
                return;
            }
            String consoleId = names.consoleServerIdOf(channel);
            if (consoleId != null) {
                consoleBatcher.offer(consoleId, message);
            }
            // otherwise the control channel: nothing to act on yet
        }
    }

    private void deliverServerFrame(String serverId, byte[] channel, byte[] message) {
        if (!ServerFrames.isForwardable(message, channel, serverIdOffset)) {
            drops.dropped("not a " + String.join("/", ServerFrames.TYPES) + " frame for this server",
                    names.serverChannel(serverId), System.nanoTime());
            return;
        }
        if (!isValidUtf8(message)) {
            drops.dropped("not valid UTF-8", names.serverChannel(serverId), System.nanoTime());
            return;
        }
        hub.deliver(serverId, ByteBuffer.wrap(message).asReadOnlyBuffer());
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
