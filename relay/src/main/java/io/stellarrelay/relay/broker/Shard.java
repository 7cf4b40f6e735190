package io.stellarrelay.relay.broker;

import redis.clients.jedis.HostAndPort;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One node's pub/sub connection and what the mirror thread has subscribed on it. Used by the mirror
 * thread only, but for {@link #link}, which is safe from any thread.
 *
 * <p>What was subscribed belongs to one connection: when the link has reconnected (a new generation),
 * the new connection holds nothing but its control channel, and the next {@link #layOut} subscribes
 * everything again.
 */
final class Shard implements AutoCloseable {
    final HostAndPort node;
    final PubsubLink link;
    private final Topology topology;
    private final Consumer<byte[]> probe;
    private final Set<String> subscribed = new HashSet<>(); // channel names
    private int appliedGeneration;

    /** @param probe publishes a probe on a control channel */
    Shard(HostAndPort node, PubsubLink link, Topology topology, Consumer<byte[]> probe) {
        this.node = node;
        this.link = link;
        this.topology = topology;
        this.probe = probe;
    }

    /**
     * Brings the connection's subscriptions in line with {@code channels}; false when the connection is
     * not up yet (its attachment asks for another layout). A new connection is probed at once, rather than
     * at the next idle round, so that readiness follows sooner.
     */
    boolean layOut(Set<String> channels) {
        int generation = link.attachedGeneration();
        if (generation == 0) {
            return false;
        }
        boolean fresh = generation != appliedGeneration;
        if (fresh) {
            subscribed.clear();
            appliedGeneration = generation;
        }
        List<String> toUnsubscribe = new ArrayList<>();
        for (String channel : subscribed) {
            if (!channels.contains(channel)) {
                toUnsubscribe.add(channel);
            }
        }
        subscribed.removeAll(toUnsubscribe);
        List<String> toSubscribe = new ArrayList<>();
        for (String channel : channels) {
            if (subscribed.add(channel)) {
                toSubscribe.add(channel);
            }
        }
        send(generation, toSubscribe, toUnsubscribe);
        if (fresh) {
            probe.accept(link.controlChannel());
        }
        return true;
    }

    /**
     * Subscribes or unsubscribes only the {@code changed} channels, as {@code wanted} says; nothing when the
     * connection is not the one last laid out (the layout that follows its attachment covers them).
     */
    void patch(Collection<String> changed, Predicate<String> wanted) {
        int generation = link.attachedGeneration();
        if (generation == 0 || generation != appliedGeneration) {
            return;
        }
        List<String> toSubscribe = new ArrayList<>();
        List<String> toUnsubscribe = new ArrayList<>();
        for (String channel : changed) {
            boolean want = wanted.test(channel);
            if (want && subscribed.add(channel)) {
                toSubscribe.add(channel);
            } else if (!want && subscribed.remove(channel)) {
                toUnsubscribe.add(channel);
            }
        }
        send(generation, toSubscribe, toUnsubscribe);
    }

    private void send(int generation, List<String> toSubscribe, List<String> toUnsubscribe) {
        for (List<String> group : topology.perCommand(toSubscribe)) {
            Chunks.forChunks(group, channels -> link.subscribe(generation, utf8(channels)));
        }
        for (List<String> group : topology.perCommand(toUnsubscribe)) {
            Chunks.forChunks(group, channels -> link.unsubscribe(generation, utf8(channels)));
        }
    }

    private static byte[][] utf8(String[] channels) {
        byte[][] bytes = new byte[channels.length][];
        for (int i = 0; i < channels.length; i++) {
            bytes[i] = channels[i].getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    /** The node gave {@code channel} up on its own: it must not be unsubscribed there later. */
    void forget(String channel) {
        subscribed.remove(channel);
    }

    /** Replaces the connection if it has been silent for {@code limitNanos} (see {@link PubsubLink#dropIfSilent}). */
    void dropIfSilent(long limitNanos, long nowNanos) {
        link.dropIfSilent(limitNanos, nowNanos);
    }

    /** Publishes a probe for this connection's control channel, if the connection is up. */
    void probe() {
        if (link.attachedGeneration() != 0) {
            probe.accept(link.controlChannel());
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
