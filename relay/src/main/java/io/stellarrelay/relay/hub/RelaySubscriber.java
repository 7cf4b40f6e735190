package io.stellarrelay.relay.hub;

import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.Utf8;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.metrics.RelayMetrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps this relay's Redis subscriptions in line with what its sockets watch and hands what arrives to
 * them. Two hubs are mirrored as channel names: a server's channel is subscribed while a local socket
 * watches the server ({@code hub}), its console channel while a local socket reads its console
 * ({@code consoles}). {@link ChannelSubscriber} holds one connection on a standalone Redis (or a replica
 * of it); {@link ShardedSubscriber} one per cluster node that owns watched channels.
 *
 * <p>A server channel's message is checked once (the frame's type and server id, valid UTF-8) and its
 * bytes are handed to every watcher as they are: nothing is parsed or re-encoded per socket. A console
 * channel's message goes to the {@link ConsoleBatcher}.
 *
 * <p>Every connection also subscribes a control channel of this relay, and every two seconds a probe is
 * published there through the command connection; a connection that delivers nothing for six seconds
 * (its read times out) is replaced. That finds connections that silently stopped delivering (half-open),
 * and, because the probe travels the same way a sync does, also a replica that stopped replicating. The
 * probe carries its send time, so its return also measures the pub/sub lag.
 */
public abstract sealed class RelaySubscriber extends HubMirror implements PubsubLink.Events
        permits ChannelSubscriber, ShardedSubscriber {
    static final int CHANNELS_PER_COMMAND = 1000;
    /** A probe goes through each control channel this often while attached. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** A subscriber connection that delivers nothing, not even a probe, for this long is dead. */
    static final Duration SILENCE_LIMIT = PROBE_INTERVAL.multipliedBy(3);
    private static final String PROBE_PREFIX = "probe:";

    protected final RedisConnector connector;
    protected final RedisCommands commands;
    protected final RedisNames names;
    private final Hub consoles;
    private final ConsoleBatcher consoleBatcher;
    private final RelayMetrics metrics;
    private final int serverIdOffset;
    private final DropWarnings drops = new DropWarnings(log, Duration.ofSeconds(10));
    private final GapRepair gapRepair;
    /** A pub/sub connection was lost since the last repair: frames may be missing. */
    private volatile boolean gap;
    private volatile boolean warnedConsolePublish; // racing links may both warn: harmless

    RelaySubscriber(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs, String threadName,
                    RedisConnector connector, RedisCommands commands, RedisNames names, RelayMetrics metrics) {
        super(hub, threadName, PROBE_INTERVAL);
        this.consoles = consoles;
        this.consoleBatcher = batcher;
        this.connector = connector;
        this.commands = commands;
        this.names = names;
        this.metrics = metrics;
        this.serverIdOffset = names.serverChannelBytes("").length;
        this.gapRepair = new GapRepair(hub, syncs, batcher, metrics);
    }

    /**
     * Sharded subscribers on a cluster, else one connection through {@code subscribeConnector}, which may
     * point at a replica while {@code commands} (watch set, probes) point at the primary.
     *
     * @param hub      watchers of servers: their server channels are subscribed
     * @param consoles console readers: their console channels are subscribed, messages go to {@code batcher}
     */
    public static RelaySubscriber create(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs,
                                         RedisConnector subscribeConnector, RedisCommands commands, RedisNames names,
                                         String relayId, RelayMetrics metrics) {
        return commands.isCluster()
                ? new ShardedSubscriber(hub, consoles, batcher, syncs, subscribeConnector, commands, names, relayId,
                        metrics)
                : new ChannelSubscriber(hub, consoles, batcher, syncs, subscribeConnector, commands, names, relayId,
                        metrics);
    }

    /** Starts mirroring (public: the relay starts its subscriber from another package). */
    @Override
    public void start() {
        super.start();
    }

    /** True when every pub/sub connection the relay needs is up and has delivered a probe. */
    public abstract boolean isDelivering();

    /** Publishes a probe carrying its send time on the command connection; its arrival proves delivery. */
    protected final void probe(byte[] controlChannel) {
        commands.publish(controlChannel, (PROBE_PREFIX + System.nanoTime()).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public final void probeArrived(byte[] message) {
        probeSentAt(message).ifPresent(sentAt -> metrics.pubsubRoundTrip(System.nanoTime() - sentAt));
    }

    @Override
    public final void reconnected(PubsubLink link) {
        metrics.pubsubReconnected();
    }

    /** A connection ended: whatever was published until its channels are subscribed again is lost. */
    @Override
    public void lost(PubsubLink link) {
        gap = true;
        requestResync();
    }

    /**
     * After a resync has subscribed {@code wantedChannels} on live connections: if a connection was lost
     * before, every watched server and read console among them is repaired (see {@link GapRepair}).
     * Subscribing first and reading the stored state second means a sync published in between arrives
     * through the subscription; the reverse order could lose it.
     */
    protected final void repairGapIfAny(Set<String> wantedChannels) {
        if (!gap) {
            return;
        }
        gap = false;
        Set<String> servers = new HashSet<>();
        Set<String> consoleIds = new HashSet<>();
        for (String channel : wantedChannels) {
            byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
            String serverId = names.serverIdOf(bytes);
            if (serverId != null) {
                servers.add(serverId);
            } else {
                String consoleId = names.consoleServerIdOf(bytes);
                if (consoleId != null) {
                    consoleIds.add(consoleId);
                }
            }
        }
        gapRepair.afterGap(servers, consoleIds);
    }

    @Override
    public void close() {
        super.close();
        gapRepair.close();
    }

    /** The publish time a probe carries (nanoTime may be negative), or empty for anything else. */
    static OptionalLong probeSentAt(byte[] message) {
        String text = new String(message, StandardCharsets.US_ASCII);
        if (!text.startsWith(PROBE_PREFIX)) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text, PROBE_PREFIX.length(), text.length(), 10));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
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

    /** Whether {@code channel} is a server or console channel (not a control channel). */
    protected final boolean isMirrored(String channel) {
        byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
        return names.serverIdOf(bytes) != null || names.consoleServerIdOf(bytes) != null;
    }

    /** Whether a local socket needs {@code channel} now. */
    protected final boolean isWanted(String channel) {
        byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
        String serverId = names.serverIdOf(bytes);
        if (serverId != null) {
            return hub.isWatched(serverId);
        }
        String consoleId = names.consoleServerIdOf(bytes);
        return consoleId != null && consoles.isWatched(consoleId);
    }

    @Override
    public final void message(byte[] channel, byte[] message) {
        String serverId = names.serverIdOf(channel);
        if (serverId != null) {
            deliverServerFrame(serverId, channel, message);
            return;
        }
        String consoleId = names.consoleServerIdOf(channel);
        if (consoleId != null) {
            if (!warnedConsolePublish) {
                // Kept for one release so backends can move; lines published meanwhile have no history
                // and are lost with the connection.
                log.warn("Console output PUBLISHed on {}: deprecated, XADD it to the stream of that name instead "
                        + "(README, Redis contract); console PUBLISH is removed in the next release",
                        names.consoleChannel(consoleId));
                warnedConsolePublish = true;
            }
            consoleBatcher.offer(consoleId, message);
        }
    }

    private void deliverServerFrame(String serverId, byte[] channel, byte[] message) {
        String type = ServerFrames.forwardableType(message, channel, serverIdOffset);
        if (type == null) {
            drops.dropped("not a " + String.join("/", ServerFrames.TYPES) + " frame for this server",
                    names.serverChannel(serverId), System.nanoTime());
            return;
        }
        if (!Utf8.isWellFormed(message)) {
            drops.dropped("not valid UTF-8", names.serverChannel(serverId), System.nanoTime());
            return;
        }
        // The type is known from the check: the hub need not look at the frame again to keep the latest sync.
        metrics.delivered(hub.deliver(serverId, ByteBuffer.wrap(message).asReadOnlyBuffer(),
                ServerMessage.ServerSync.TYPE.equals(type)));
    }

    /** Channel names as bytes, at most {@link #CHANNELS_PER_COMMAND} per command. */
    protected static void forChunks(List<String> channelNames, Consumer<byte[][]> command) {
        for (int from = 0; from < channelNames.size(); from += CHANNELS_PER_COMMAND) {
            List<String> chunk = channelNames.subList(from, Math.min(channelNames.size(), from + CHANNELS_PER_COMMAND));
            byte[][] channels = new byte[chunk.size()][];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = chunk.get(i).getBytes(StandardCharsets.UTF_8);
            }
            command.accept(channels);
        }
    }
}
