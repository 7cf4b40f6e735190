package io.stellarrelay.relay.broker;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which Redis node serves a channel, and how a pub/sub connection to it is made: all that differs between
 * a standalone Redis and a Redis Cluster. The {@link RelaySubscriber} lays its channels out over the nodes
 * the same way for both; a standalone Redis is simply a cluster of one node that owns every channel.
 */
sealed interface Topology permits Topology.Standalone, Topology.Cluster {
    /** Names the mirror thread; each connection's reader is named after it too. */
    String threadName();

    /**
     * Nodes that keep a connection whatever is watched. On a standalone Redis that is its one node: the
     * connection stays up (holding the control channel), so readiness reflects Redis even with nothing
     * watched; it owns every channel, so a batch of changes can be patched onto it. Empty on a cluster,
     * where connections open and close with the owners of what is watched.
     */
    Set<HostAndPort> fixedNodes();

    /** The node that serves subscriptions to {@code channel}, from the slot map last read. */
    HostAndPort ownerOf(byte[] channel);

    /** A connection to {@code node} (not started), subscribing a control channel of this relay that the node owns. */
    PubsubLink open(HostAndPort node, PubsubLink.Events events);

    /** The channels cut into groups that one command may carry together. */
    List<List<String>> perCommand(List<String> channels);

    /** A slot may have moved (a node gave channels up, a connection was lost): read the slot map again. */
    default void slotsMayHaveMoved() {}

    /** Whether a slot map refresh is pending; until it is done the layout may be wrong. */
    default boolean refreshPending() {
        return false;
    }

    /** Reads the slot map again if a refresh is pending; throws when Redis fails (the caller retries). */
    default void refreshIfPending() {}

    static Topology of(RedisConnector subscribeConnector, RedisCommands commands, RedisNames names, String relayId) {
        return commands.isCluster()
                ? new Cluster(subscribeConnector, commands, names, relayId)
                : new Standalone(subscribeConnector, names.relayControlChannel(relayId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One Redis (or a replica of it, {@code REDIS_SUBSCRIBE_URL}): plain SUBSCRIBE on one connection, where
     * one command may mix any channels.
     */
    final class Standalone implements Topology {
        private final RedisConnector connector;
        private final byte[] controlChannel;
        private final HostAndPort node;

        Standalone(RedisConnector connector, byte[] controlChannel) {
            this.connector = connector;
            this.controlChannel = controlChannel;
            this.node = new HostAndPort(connector.settings().host(), connector.settings().port());
        }

        @Override
        public String threadName() {
            return "relay-subscriber-writer";
        }

        @Override
        public Set<HostAndPort> fixedNodes() {
            return Set.of(node);
        }

        @Override
        public HostAndPort ownerOf(byte[] channel) {
            return node;
        }

        @Override
        public PubsubLink open(HostAndPort node, PubsubLink.Events events) {
            return new PubsubLink("relay-subscriber-reader", false,
                    () -> connector.newSubscriberConnection(Duration.ZERO), controlChannel, events);
        }

        @Override
        public List<List<String>> perCommand(List<String> channels) {
            return List.of(channels);
        }
    }

    /**
     * A Redis Cluster: SSUBSCRIBE, on a connection to the node that owns each channel's slot (a node serves
     * sharded subscriptions only for its own slots), one slot per command (Redis refuses CROSSSLOT). Each
     * connection's control channel is named with a hash tag that puts it in one of that node's slots, so
     * the probe checks each connection separately.
     */
    final class Cluster implements Topology {
        /** Hash tags tried to find a control channel in a node's slots; with even slots per node a few do. */
        private static final int MAX_TAGS = 100_000;

        private final RedisConnector connector;
        private final RedisCommands commands;
        private final RedisNames names;
        private final String relayId;
        private volatile boolean refreshSlots;

        Cluster(RedisConnector connector, RedisCommands commands, RedisNames names, String relayId) {
            this.connector = connector;
            this.commands = commands;
            this.names = names;
            this.relayId = relayId;
        }

        @Override
        public String threadName() {
            return "relay-sharded-subscriber-writer";
        }

        @Override
        public Set<HostAndPort> fixedNodes() {
            return Set.of();
        }

        @Override
        public HostAndPort ownerOf(byte[] channel) {
            return commands.ownerOf(channel);
        }

        @Override
        public PubsubLink open(HostAndPort node, PubsubLink.Events events) {
            return new PubsubLink("relay-sharded-subscriber-" + node, true,
                    () -> connector.newSubscriberConnection(node, Duration.ZERO), controlChannelOn(node),
                    events);
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
        public List<List<String>> perCommand(List<String> channels) {
            return bySlot(channels);
        }

        /** The channels grouped by their hash slot. */
        static List<List<String>> bySlot(List<String> channels) {
            Map<Integer, List<String>> slots = new HashMap<>();
            for (String channel : channels) {
                slots.computeIfAbsent(JedisClusterCRC16.getSlot(channel.getBytes(StandardCharsets.UTF_8)),
                        s -> new ArrayList<>()).add(channel);
            }
            return new ArrayList<>(slots.values());
        }

        @Override
        public void slotsMayHaveMoved() {
            refreshSlots = true;
        }

        @Override
        public boolean refreshPending() {
            return refreshSlots;
        }

        @Override
        public void refreshIfPending() {
            if (refreshSlots) {
                refreshSlots = false;
                commands.refreshSlots(); // on failure the mirror retries with backoff, and refreshes again
            }
        }
    }
}
