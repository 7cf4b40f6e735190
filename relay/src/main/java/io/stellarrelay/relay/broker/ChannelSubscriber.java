package io.stellarrelay.relay.broker;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.hub.ConsoleBatcher;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.metrics.RelayMetrics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The relay's one pub/sub connection on a standalone Redis: one channel per watched server, one per
 * console read, plus the relay's own control channel, which is always there so the connection never
 * ends by running out of channels.
 *
 * <p>The probe is published through the command client ({@code REDIS_URL}) and received on this
 * connection, which may be on a replica ({@code REDIS_SUBSCRIBE_URL}). So it tests the whole path a sync
 * takes, replication included: a replica that stops replicating delivers no probe either, and is treated
 * like a dead connection (replaced every six seconds, and not {@link #isDelivering()}).
 *
 * <p>Two threads: the link's reader blocks in Jedis and delivers; the mirror thread sends SUBSCRIBE and
 * UNSUBSCRIBE, and after each new connection subscribes every channel still watched.
 */
public final class ChannelSubscriber extends RelaySubscriber {
    private final PubsubLink link;
    private final Set<String> subscribed = new HashSet<>(); // channel names; mirror thread only
    private int appliedGeneration; // mirror thread only

    ChannelSubscriber(Hub hub, Hub consoles, ConsoleBatcher batcher, LatestSyncs syncs, RedisConnector connector,
                      RedisCommands commands, RedisNames names, String relayId, RelayMetrics metrics) {
        super(hub, consoles, batcher, syncs, "relay-subscriber-writer", connector, commands, names, metrics);
        this.link = new PubsubLink("relay-subscriber-reader", false,
                () -> connector.newSubscriberConnection(SILENCE_LIMIT),
                names.relayControlChannel(relayId).getBytes(StandardCharsets.UTF_8), this);
    }

    @Override
    public void start() {
        super.start();
        link.start();
    }

    @Override
    public void attached(PubsubLink link) {
        requestResync();
    }

    @Override
    public boolean isDelivering() {
        return link.isDelivering();
    }

    @Override
    protected void onIdle() {
        if (link.attachedGeneration() != 0) {
            probe(link.controlChannel());
        }
    }

    @Override
    protected void apply(Set<String> changed) {
        int generation = link.attachedGeneration();
        if (generation == 0 || generation != appliedGeneration) {
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
        Chunks.forChunks(toSubscribe, channels -> link.subscribe(generation, utf8(channels)));
        Chunks.forChunks(toUnsubscribe, channels -> link.unsubscribe(generation, utf8(channels)));
    }

    @Override
    protected void resync(Set<String> wanted) {
        int generation = link.attachedGeneration();
        if (generation == 0) {
            return; // not connected; attachment triggers another resync
        }
        boolean fresh = generation != appliedGeneration;
        if (fresh) {
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
        Chunks.forChunks(toSubscribe, channels -> link.subscribe(generation, utf8(channels)));
        Chunks.forChunks(toUnsubscribe, channels -> link.unsubscribe(generation, utf8(channels)));
        if (fresh) {
            probe(link.controlChannel()); // at once rather than at the next idle round: readiness follows sooner
        }
        repairGapIfAny(subscribed);
        log.debug("Pub/sub resynced: {} channels", subscribed.size());
    }

    @Override
    public void close() {
        super.close();
        link.close();
    }
}
