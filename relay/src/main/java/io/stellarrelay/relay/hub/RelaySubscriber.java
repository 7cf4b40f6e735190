package io.stellarrelay.relay.hub;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps this relay's Redis subscriptions in line with what its sockets watch (one channel per watched
 * server, subscribed with the first watcher and dropped after the last) and hands what arrives to the
 * {@link Hub}. {@link ChannelSubscriber} holds one connection on a standalone Redis (or a replica of it);
 * {@link ShardedSubscriber} one per cluster node that owns watched channels.
 *
 * <p>Each message is checked once (valid UTF-8, since it goes out as a text frame) and its bytes are
 * handed to every watcher as they are: nothing is parsed or re-encoded per socket.
 *
 * <p>Every connection also subscribes a control channel of this relay, and every two seconds a probe is
 * published there through the command connection; a connection that delivers nothing for six seconds
 * (its read times out) is replaced. That finds connections that silently stopped delivering (half-open),
 * and, because the probe travels the same way a sync does, also a replica that stopped replicating.
 */
public abstract sealed class RelaySubscriber extends HubMirror implements PubsubLink.Events
        permits ChannelSubscriber, ShardedSubscriber {
    static final int CHANNELS_PER_COMMAND = 1000;
    /** A probe goes through each control channel this often while attached. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** A subscriber connection that delivers nothing, not even a probe, for this long is dead. */
    static final Duration SILENCE_LIMIT = PROBE_INTERVAL.multipliedBy(3);
    private static final byte[] PROBE = "probe".getBytes(StandardCharsets.UTF_8);

    protected final RedisConnector connector;
    protected final RedisCommands commands;
    protected final RedisNames names;

    RelaySubscriber(Hub hub, String threadName, RedisConnector connector, RedisCommands commands, RedisNames names) {
        super(hub, threadName, PROBE_INTERVAL);
        this.connector = connector;
        this.commands = commands;
        this.names = names;
    }

    /**
     * Sharded subscribers on a cluster, else one connection through {@code subscribeConnector}, which may
     * point at a replica while {@code commands} (watch set, probes) point at the primary.
     */
    public static RelaySubscriber create(Hub hub, RedisConnector subscribeConnector, RedisCommands commands,
                                         RedisNames names, String relayId) {
        return commands.isCluster()
                ? new ShardedSubscriber(hub, subscribeConnector, commands, names, relayId)
                : new ChannelSubscriber(hub, subscribeConnector, commands, names, relayId);
    }

    @Override
    public void start() {
        super.start();
    }

    /** True when every pub/sub connection the relay needs is up and has delivered a probe. */
    public abstract boolean isDelivering();

    /** Publishes a probe on the command connection; its arrival proves the subscription delivers. */
    protected final void probe(byte[] controlChannel) {
        commands.publish(controlChannel, PROBE);
    }

    @Override
    public final void message(byte[] channel, byte[] message) {
        String serverId = names.serverIdOf(channel);
        if (serverId == null) {
            return; // not ours
        }
        if (!isValidUtf8(message)) {
            log.warn("Dropped a message on {} that is not valid UTF-8 ({} bytes)", names.serverChannel(serverId),
                    message.length);
            return;
        }
        hub.deliver(serverId, ByteBuffer.wrap(message).asReadOnlyBuffer());
    }

    /** Server ids as channel names, at most {@link #CHANNELS_PER_COMMAND} per command. */
    protected final void forChunks(List<String> serverIds, Consumer<byte[][]> command) {
        for (int from = 0; from < serverIds.size(); from += CHANNELS_PER_COMMAND) {
            List<String> chunk = serverIds.subList(from, Math.min(serverIds.size(), from + CHANNELS_PER_COMMAND));
            byte[][] channels = new byte[chunk.size()][];
            for (int i = 0; i < channels.length; i++) {
                channels[i] = names.serverChannelBytes(chunk.get(i));
            }
            command.accept(channels);
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
