package io.stellarrelay.relay.broker;

import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.Utf8;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.console.ConsoleBatcher;
import io.stellarrelay.relay.hub.DropWarnings;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.metrics.RelayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps this relay's Redis subscriptions in line with what its sockets watch and hands what arrives to
 * them. Two hubs are mirrored as channel names: a server's channel is subscribed while a local socket
 * watches the server ({@code hub}), its console channel while a local socket reads its console
 * ({@code consoles}).
 *
 * <p>Channels are laid out over {@link Shard}s, one pub/sub connection per Redis node, by the
 * {@link Topology}: a standalone Redis (or a replica of it) is one node that serves every channel, with
 * SUBSCRIBE; a Redis Cluster has one connection per node that owns the slot of at least one wanted
 * channel, with SSUBSCRIBE. Two threads: each connection's reader blocks in Jedis and delivers; the
 * mirror thread sends the (un)subscriptions, and after each new connection subscribes again everything
 * still wanted.
 *
 * <p>On a cluster, where each channel goes is read from the cluster client's slot map. When a slot moves,
 * its node sends {@code sunsubscribe} for every channel in it; a node asked for a slot it does not own
 * answers MOVED, which ends that connection. Either way, and when a connection is lost (a node failing
 * over), the slot map is refreshed and the subscriptions are laid out again: channels go to their new
 * owner, connections to nodes that own nothing watched any more are closed, and a connection whose
 * control channel's slot moved is replaced. So there every batch of changes lays out the whole set again
 * rather than patching it: one slot computation per wanted channel, cheap next to the Redis round trips,
 * and it cannot drift. On a standalone Redis, whose one connection stays whatever is watched, a batch
 * patches just the channels it names.
 *
 * <p>A server channel's message is checked once (the frame's type and server id, valid UTF-8) and its
 * bytes are handed to every watcher as they are: nothing is parsed or re-encoded per socket. A console
 * channel's message goes to the {@link ConsoleBatcher}.
 *
 * <p>Every connection also subscribes a control channel of this relay, and every two seconds a probe is
 * published there through the command connection ({@code REDIS_URL}, while the subscriptions may be on a
 * replica, {@code REDIS_SUBSCRIBE_URL}); a connection that delivers nothing for five seconds is replaced
 * (looked at twice a second, so within six). That finds connections that silently stopped delivering
 * (half-open), and, because the probe travels the same way a sync does, also a replica that stopped
 * replicating. The probe carries its send time, so its return also measures the pub/sub lag.
 */
public final class RelaySubscriber implements PubsubLink.Events, AutoCloseable {
    /** A probe goes through each control channel this often while attached. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** A subscriber connection that delivers nothing, not even a probe, for this long is dead. */
    static final Duration SILENCE_LIMIT = Duration.ofSeconds(5);
    /**
     * How often the connections' silence is looked at. The readers block without a timeout (a timed read
     * costs two more system calls per message), so another thread has to.
     */
    static final Duration SILENCE_CHECK = Duration.ofMillis(500);
    private static final String PROBE_PREFIX = "probe:";
    private static final Logger log = LoggerFactory.getLogger(RelaySubscriber.class);

    private final HubMirror mirror;
    private long lastProbeNanos = System.nanoTime(); // mirror thread only
    private final Topology topology;
    private final Hub hub;
    private final RedisCommands commands;
    private final RedisNames names;
    private final Hub consoles;
    private final ConsoleBatcher consoleBatcher;
    private final RelayMetrics metrics;
    private final int serverIdOffset;
    private final DropWarnings drops = new DropWarnings(log, Duration.ofSeconds(10));
    private final GapRepair gapRepair;
    /** A pub/sub connection was lost since the last repair: frames may be missing. */
    private volatile boolean gap;
    private volatile boolean warnedConsolePublish; // racing links may both warn: harmless
    private final Map<HostAndPort, Shard> shards = new ConcurrentHashMap<>(); // written by the mirror thread
    /** Channels a node gave up on its own, to forget before anything is sent for them there. */
    private final Queue<Dropped> dropped = new ConcurrentLinkedQueue<>();

    private record Dropped(PubsubLink link, String channel) {}

    private RelaySubscriber(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs, Topology topology,
                            RedisCommands commands, RedisNames names, RelayMetrics metrics) {
        this.mirror = new HubMirror(topology.threadName(), this::apply, this::resync, SILENCE_CHECK, this::onIdle);
        this.topology = topology;
        this.hub = hub;
        this.consoles = consoles;
        this.consoleBatcher = batcher;
        this.commands = commands;
        this.names = names;
        this.metrics = metrics;
        this.serverIdOffset = names.serverChannelBytes("").length;
        this.gapRepair = new GapRepair(hub, syncs, batcher, metrics);
        for (HostAndPort node : topology.fixedNodes()) {
            shards.put(node, newShard(node));
        }
    }

    /**
     * Sharded subscriptions on a cluster, else one connection through {@code subscribeConnector}, which may
     * point at a replica while {@code commands} (watch set, probes) point at the primary.
     *
     * @param hub      watchers of servers: their server channels are subscribed
     * @param consoles console readers: their console channels are subscribed, messages go to {@code batcher}
     */
    public static RelaySubscriber create(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs,
                                         RedisConnector subscribeConnector, RedisCommands commands, RedisNames names,
                                         String relayId, RelayMetrics metrics) {
        return new RelaySubscriber(hub, consoles, batcher, syncs,
                Topology.of(subscribeConnector, commands, names, relayId), commands, names, metrics);
    }

    /**
     * Starts mirroring (a server's channel follows the hub, its console channel the console hub) and the
     * connections that stay whatever is watched.
     */
    public void start() {
        hub.addListener(id -> mirror.changed(names.serverChannel(id)));
        consoles.addListener(id -> mirror.changed(names.consoleChannel(id)));
        mirror.start();
        shards.values().forEach(shard -> shard.link.start());
        mirror.requestResync();
    }

    /** True when every pub/sub connection the relay needs is up and has delivered a probe. */
    public boolean isDelivering() {
        return !topology.refreshPending() && shards.values().stream().allMatch(s -> s.link.isDelivering());
    }

    private Shard newShard(HostAndPort node) {
        return new Shard(node, topology.open(node, this), topology, this::probe);
    }

    private Shard openShard(HostAndPort node) {
        Shard shard = newShard(node);
        shard.link.start();
        log.info("Pub/sub connection to {} opened", node);
        return shard;
    }

    /** Publishes a probe carrying its send time on the command connection; its arrival proves delivery. */
    private void probe(byte[] controlChannel) {
        commands.publish(controlChannel, (PROBE_PREFIX + System.nanoTime()).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void probeArrived(byte[] message) {
        probeSentAt(message).ifPresent(sentAt -> metrics.pubsubRoundTrip(System.nanoTime() - sentAt));
    }

    @Override
    public void reconnected(PubsubLink link) {
        metrics.pubsubReconnected();
    }

    @Override
    public void attached(PubsubLink link) {
        mirror.requestResync();
    }

    @Override
    public void unsubscribed(PubsubLink link, byte[] channel) {
        String name = new String(channel, StandardCharsets.UTF_8);
        boolean mirrored = isMirrored(name);
        if (!mirrored || isWanted(name)) {
            // Not our own SUNSUBSCRIBE: the node gave the channel up because its slot moved. It must not be
            // unsubscribed there later (the node would answer MOVED), so the mirror forgets it first.
            if (mirrored) {
                dropped.add(new Dropped(link, name));
            }
            log.info("A node gave up {} (its slot moved); refreshing the slot map", name);
            topology.slotsMayHaveMoved();
            mirror.requestResync();
        }
    }

    /** A connection ended: whatever was published until its channels are subscribed again is lost. */
    @Override
    public void lost(PubsubLink link) {
        topology.slotsMayHaveMoved(); // on a cluster the node may have failed over, or answered MOVED
        gap = true;
        mirror.requestResync();
    }

    private void onIdle() {
        long now = System.nanoTime();
        shards.values().forEach(shard -> shard.dropIfSilent(SILENCE_LIMIT.toNanos(), now));
        if (now - lastProbeNanos >= PROBE_INTERVAL.toNanos()) {
            lastProbeNanos = now;
            shards.values().forEach(Shard::probe);
        }
    }

    private void apply(Set<String> changed) {
        if (!topology.fixedNodes().isEmpty()) {
            // The connections stay whatever is watched: patch just these channels on their owners.
            Map<HostAndPort, Set<String>> byNode = byOwner(changed, Set.of());
            byNode.forEach((node, channels) -> shards.get(node).patch(channels, this::isWanted));
        } else {
            resync(); // connections open and close with what is watched: lay everything out
        }
    }

    /**
     * Lays every wanted channel out on the connection to its node: refreshes the slot map if asked,
     * opens connections to nodes that own wanted channels, closes those that own none any more (but the
     * fixed ones), or whose control channel's slot moved away, and brings each one's subscriptions in line.
     */
    private void resync() {
        Set<String> wantedChannels = wanted();
        topology.refreshIfPending();
        for (Dropped d; (d = dropped.poll()) != null; ) {
            for (Shard shard : shards.values()) {
                if (shard.link == d.link()) {
                    shard.forget(d.channel());
                }
            }
        }
        Map<HostAndPort, Set<String>> wanted = byOwner(wantedChannels, topology.fixedNodes());
        for (Iterator<Shard> it = shards.values().iterator(); it.hasNext(); ) {
            Shard shard = it.next();
            if (!wanted.containsKey(shard.node) || !shard.node.equals(topology.ownerOf(shard.link.controlChannel()))) {
                it.remove();
                shard.close();
            }
        }
        boolean allAttached = true;
        for (Map.Entry<HostAndPort, Set<String>> entry : wanted.entrySet()) {
            Shard shard = shards.computeIfAbsent(entry.getKey(), this::openShard);
            allAttached &= shard.layOut(entry.getValue());
        }
        if (allAttached) {
            // After a loss, once every channel is subscribed again (a connection still coming up triggers
            // another resync when it attaches). All servers are repaired, not only the lost node's: rare,
            // and a failover moves channels between connections anyway.
            repairGapIfAny(wantedChannels);
            log.debug("Pub/sub resynced: {} channels on {} connections", wantedChannels.size(), shards.size());
        }
    }

    /** The channels by the node that serves them, with every one of {@code nodes} present. */
    private Map<HostAndPort, Set<String>> byOwner(Set<String> channels, Set<HostAndPort> nodes) {
        Map<HostAndPort, Set<String>> byNode = new HashMap<>();
        for (HostAndPort node : nodes) {
            byNode.put(node, new HashSet<>());
        }
        for (String channel : channels) {
            byNode.computeIfAbsent(topology.ownerOf(channel.getBytes(StandardCharsets.UTF_8)), n -> new HashSet<>())
                    .add(channel);
        }
        return byNode;
    }

    /**
     * After a resync has subscribed {@code wantedChannels} on live connections: if a connection was lost
     * before, every watched server and read console among them is repaired (see {@link GapRepair}).
     * Subscribing first and reading the stored state second means a sync published in between arrives
     * through the subscription; the reverse order could lose it.
     */
    private void repairGapIfAny(Set<String> wantedChannels) {
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
        mirror.close();
        gapRepair.close();
        shards.values().forEach(Shard::close);
        shards.clear();
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

    /** Every channel a local socket needs now. */
    private Set<String> wanted() {
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
    private boolean isMirrored(String channel) {
        byte[] bytes = channel.getBytes(StandardCharsets.UTF_8);
        return names.serverIdOf(bytes) != null || names.consoleServerIdOf(bytes) != null;
    }

    /** Whether a local socket needs {@code channel} now. */
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
    public void message(byte[] channel, byte[] message) {
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
}
