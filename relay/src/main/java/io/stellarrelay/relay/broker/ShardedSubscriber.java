package io.stellarrelay.relay.broker;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.hub.ConsoleBatcher;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.metrics.RelayMetrics;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisClusterCRC16;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The relay's sharded pub/sub on a Redis Cluster: SSUBSCRIBE, one connection per node that owns the slot
 * of at least one wanted channel (a watched server's, or a console being read), since a node serves
 * sharded subscriptions only for its own slots. Each connection has its own control channel, named with
 * a hash tag that puts it in one of that node's slots, so the probe checks each connection separately.
 *
 * <p>Where each channel goes is read from the cluster client's slot map. When a slot moves, its node
 * sends {@code sunsubscribe} for every channel in it; a node asked for a slot it does not own answers
 * MOVED, which ends that connection. Either way, and when a connection is lost (a node failing over), the
 * slot map is refreshed and the subscriptions are laid out again: channels go to their new owner,
 * connections to nodes that own nothing watched any more are closed, and a connection whose control
 * channel's slot moved is replaced.
 *
 * <p>Every batch of changes lays out the whole set again rather than patching it: on a cluster that is
 * one slot computation per wanted channel, cheap next to the Redis round trips, and it cannot drift.
 */
public final class ShardedSubscriber extends RelaySubscriber {
    /** Hash tags tried to find a control channel in a node's slots; with even slots per node a few do. */
    private static final int MAX_TAGS = 100_000;

    private final String relayId;
    private final Map<HostAndPort, Shard> shards = new ConcurrentHashMap<>(); // written by the mirror thread
    private volatile boolean refreshSlots;
    /** Channels a node gave up on its own, to forget before anything is sent for them there. */
    private final Queue<Dropped> dropped = new ConcurrentLinkedQueue<>();

    private record Dropped(PubsubLink link, String channel) {}

    /** One node's connection and what the mirror has subscribed on it. */
    private static final class Shard {
        final HostAndPort node;
        final PubsubLink link;
        final Set<String> subscribed = new HashSet<>(); // channel names; mirror thread only
        int appliedGeneration; // mirror thread only

        Shard(HostAndPort node, PubsubLink link) {
            this.node = node;
            this.link = link;
        }
    }

    ShardedSubscriber(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs, RedisConnector connector,
                      RedisCommands commands, RedisNames names, String relayId, RelayMetrics metrics) {
        super(hub, consoles, batcher, syncs, "relay-sharded-subscriber-writer", connector, commands, names, metrics);
        this.relayId = relayId;
    }

    @Override
    public void start() {
        super.start();
        requestResync();
    }

    @Override
    public void attached(PubsubLink link) {
        requestResync();
    }

    @Override
    public void unsubscribed(PubsubLink link, byte[] channel) {
        String name = new String(channel, UTF_8);
        boolean mirrored = isMirrored(name);
        if (!mirrored || isWanted(name)) {
            // Not our own SUNSUBSCRIBE: the node gave the channel up because its slot moved. It must not be
            // unsubscribed there later (the node would answer MOVED), so the mirror forgets it first.
            if (mirrored) {
                dropped.add(new Dropped(link, name));
            }
            log.info("A node gave up {} (its slot moved); refreshing the slot map", new String(channel, UTF_8));
            refreshSlots = true;
            requestResync();
        }
    }

    @Override
    public void lost(PubsubLink link) {
        refreshSlots = true; // the node may have failed over, or answered MOVED
        super.lost(link);
    }

    @Override
    public boolean isDelivering() {
        return !refreshSlots && shards.values().stream().allMatch(s -> s.link.isDelivering());
    }

    @Override
    protected void onIdle() {
        for (Shard shard : shards.values()) {
            if (shard.link.attachedGeneration() != 0) {
                probe(shard.link.controlChannel());
            }
        }
    }

    @Override
    protected void apply(Set<String> changed) {
        resync(wanted());
    }

    @Override
    protected void resync(Set<String> wantedChannels) {
        if (refreshSlots) {
            refreshSlots = false;
            commands.refreshSlots(); // on failure the mirror retries with backoff, and refreshes again
        }
        for (Dropped d; (d = dropped.poll()) != null; ) {
            for (Shard shard : shards.values()) {
                if (shard.link == d.link()) {
                    shard.subscribed.remove(d.channel());
                }
            }
        }
        Map<HostAndPort, List<String>> wanted = new HashMap<>();
        for (String channel : wantedChannels) {
            wanted.computeIfAbsent(commands.ownerOf(channel.getBytes(UTF_8)), n -> new ArrayList<>()).add(channel);
        }
        for (Iterator<Shard> it = shards.values().iterator(); it.hasNext(); ) {
            Shard shard = it.next();
            if (!wanted.containsKey(shard.node) || !shard.node.equals(commands.ownerOf(shard.link.controlChannel()))) {
                it.remove();
                shard.link.close();
            }
        }
        boolean allAttached = true;
        for (Map.Entry<HostAndPort, List<String>> entry : wanted.entrySet()) {
            Shard shard = shards.computeIfAbsent(entry.getKey(), this::openShard);
            allAttached &= layOut(shard, new HashSet<>(entry.getValue()));
        }
        if (allAttached) {
            // After a loss, once every channel is subscribed again (a connection still coming up triggers
            // another resync when it attaches). All servers are repaired, not only the lost node's: rare,
            // and a failover moves channels between connections anyway.
            repairGapIfAny(wantedChannels);
        }
    }

    /**
     * Brings one connection's subscriptions in line with {@code channels}, one command per slot; false
     * when the connection is not up yet.
     */
    private boolean layOut(Shard shard, Set<String> channels) {
        int generation = shard.link.attachedGeneration();
        if (generation == 0) {
            return false; // connecting; attachment triggers another resync
        }
        boolean fresh = generation != shard.appliedGeneration;
        if (fresh) {
            shard.subscribed.clear();
            shard.appliedGeneration = generation;
        }
        List<String> toUnsubscribe = new ArrayList<>();
        for (String channel : shard.subscribed) {
            if (!channels.contains(channel)) {
                toUnsubscribe.add(channel);
            }
        }
        shard.subscribed.removeAll(toUnsubscribe);
        List<String> toSubscribe = new ArrayList<>();
        for (String channel : channels) {
            if (shard.subscribed.add(channel)) {
                toSubscribe.add(channel);
            }
        }
        // SSUBSCRIBE and SUNSUBSCRIBE refuse channels of different slots in one command (CROSSSLOT).
        for (List<String> slot : bySlot(toSubscribe)) {
            Chunks.forChunks(slot, batch -> shard.link.subscribe(generation, utf8(batch)));
        }
        for (List<String> slot : bySlot(toUnsubscribe)) {
            Chunks.forChunks(slot, batch -> shard.link.unsubscribe(generation, utf8(batch)));
        }
        if (fresh) {
            probe(shard.link.controlChannel());
        }
        return true;
    }

    private static List<List<String>> bySlot(List<String> channels) {
        Map<Integer, List<String>> slots = new HashMap<>();
        for (String channel : channels) {
            slots.computeIfAbsent(JedisClusterCRC16.getSlot(channel.getBytes(UTF_8)), s -> new ArrayList<>()).add(channel);
        }
        return new ArrayList<>(slots.values());
    }

    private Shard openShard(HostAndPort node) {
        PubsubLink link = new PubsubLink("relay-sharded-subscriber-" + node, true,
                () -> connector.newSubscriberConnection(node, SILENCE_LIMIT), controlChannelOn(node), this);
        link.start();
        log.info("Sharded pub/sub connection to {} opened", node);
        return new Shard(node, link);
    }

    /** A control channel of this relay whose slot {@code node} owns. */
    private byte[] controlChannelOn(HostAndPort node) {
        for (int tag = 0; tag < MAX_TAGS; tag++) {
            byte[] channel = names.relayShardControlChannelBytes(relayId, tag);
            if (node.equals(commands.ownerOf(channel))) {
                return channel;
            }
        }
        throw new IllegalStateException("no control channel found in the slots of " + node);
    }

    @Override
    public void close() {
        super.close();
        shards.values().forEach(s -> s.link.close());
        shards.clear();
    }
}
