package io.stellarrelay.relay.hub;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
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
 * of at least one watched server's channel, since a node serves sharded subscriptions only for its own
 * slots. Each connection has its own control channel, named with a hash tag that puts it in one of that
 * node's slots, so the probe checks each connection separately.
 *
 * <p>Where each channel goes is read from the cluster client's slot map. When a slot moves, its node
 * sends {@code sunsubscribe} for every channel in it; a node asked for a slot it does not own answers
 * MOVED, which ends that connection. Either way, and when a connection is lost (a node failing over), the
 * slot map is refreshed and the subscriptions are laid out again: channels go to their new owner,
 * connections to nodes that own nothing watched any more are closed, and a connection whose control
 * channel's slot moved is replaced.
 *
 * <p>Every batch of changes lays out the whole set again rather than patching it: on a cluster that is
 * one slot computation per watched server, cheap next to the Redis round trips, and it cannot drift.
 */
public final class ShardedSubscriber extends RelaySubscriber {
    /** Hash tags tried to find a control channel in a node's slots; with even slots per node a few do. */
    private static final int MAX_TAGS = 100_000;

    private final String relayId;
    private final Map<HostAndPort, Shard> shards = new ConcurrentHashMap<>(); // written by the mirror thread
    private volatile boolean refreshSlots;
    /** Channels a node gave up on its own, to forget before anything is sent for them there. */
    private final Queue<Dropped> dropped = new ConcurrentLinkedQueue<>();

    private record Dropped(PubsubLink link, String serverId) {}

    /** One node's connection and what the mirror has subscribed on it. */
    private static final class Shard {
        final HostAndPort node;
        final PubsubLink link;
        final Set<String> subscribed = new HashSet<>(); // mirror thread only
        int appliedGeneration; // mirror thread only

        Shard(HostAndPort node, PubsubLink link) {
            this.node = node;
            this.link = link;
        }
    }

    ShardedSubscriber(Hub hub, RedisConnector connector, RedisCommands commands, RedisNames names, String relayId) {
        super(hub, "relay-sharded-subscriber-writer", connector, commands, names);
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
        String serverId = names.serverIdOf(channel);
        if (serverId == null || hub.isWatched(serverId)) {
            // Not our own SUNSUBSCRIBE: the node gave the channel up because its slot moved. It must not be
            // unsubscribed there later (the node would answer MOVED), so the mirror forgets it first.
            if (serverId != null) {
                dropped.add(new Dropped(link, serverId));
            }
            log.info("A node gave up {} (its slot moved); refreshing the slot map", new String(channel, UTF_8));
            refreshSlots = true;
            requestResync();
        }
    }

    @Override
    public void lost(PubsubLink link) {
        refreshSlots = true; // the node may have failed over, or answered MOVED
        requestResync();
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
        resync(hub.watchedServers());
    }

    @Override
    protected void resync(Set<String> watched) {
        if (refreshSlots) {
            refreshSlots = false;
            commands.refreshSlots(); // on failure the mirror retries with backoff, and refreshes again
        }
        for (Dropped d; (d = dropped.poll()) != null; ) {
            for (Shard shard : shards.values()) {
                if (shard.link == d.link()) {
                    shard.subscribed.remove(d.serverId());
                }
            }
        }
        Map<HostAndPort, List<String>> wanted = new HashMap<>();
        for (String id : watched) {
            wanted.computeIfAbsent(commands.ownerOf(names.serverChannelBytes(id)), n -> new ArrayList<>()).add(id);
        }
        for (Iterator<Shard> it = shards.values().iterator(); it.hasNext(); ) {
            Shard shard = it.next();
            if (!wanted.containsKey(shard.node) || !shard.node.equals(commands.ownerOf(shard.link.controlChannel()))) {
                it.remove();
                shard.link.close();
            }
        }
        for (Map.Entry<HostAndPort, List<String>> entry : wanted.entrySet()) {
            Shard shard = shards.computeIfAbsent(entry.getKey(), this::openShard);
            layOut(shard, new HashSet<>(entry.getValue()));
        }
    }

    /** Brings one connection's subscriptions in line with {@code channels}, one command per slot. */
    private void layOut(Shard shard, Set<String> serverIds) {
        int generation = shard.link.attachedGeneration();
        if (generation == 0) {
            return; // connecting; attachment triggers another resync
        }
        boolean fresh = generation != shard.appliedGeneration;
        if (fresh) {
            shard.subscribed.clear();
            shard.appliedGeneration = generation;
        }
        List<String> toUnsubscribe = new ArrayList<>();
        for (String id : shard.subscribed) {
            if (!serverIds.contains(id)) {
                toUnsubscribe.add(id);
            }
        }
        shard.subscribed.removeAll(toUnsubscribe);
        List<String> toSubscribe = new ArrayList<>();
        for (String id : serverIds) {
            if (shard.subscribed.add(id)) {
                toSubscribe.add(id);
            }
        }
        // SSUBSCRIBE and SUNSUBSCRIBE refuse channels of different slots in one command (CROSSSLOT).
        for (List<String> slot : bySlot(toSubscribe)) {
            forChunks(slot, channels -> shard.link.subscribe(generation, channels));
        }
        for (List<String> slot : bySlot(toUnsubscribe)) {
            forChunks(slot, channels -> shard.link.unsubscribe(generation, channels));
        }
        if (fresh) {
            probe(shard.link.controlChannel());
        }
    }

    private List<List<String>> bySlot(List<String> serverIds) {
        Map<Integer, List<String>> slots = new HashMap<>();
        for (String id : serverIds) {
            slots.computeIfAbsent(JedisClusterCRC16.getSlot(names.serverChannelBytes(id)), s -> new ArrayList<>()).add(id);
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
