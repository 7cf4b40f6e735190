package io.stellarrelay.relay.broker;

import io.stellarrelay.relay.console.ConsoleBatcher;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.metrics.RelayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Mends what a lost pub/sub connection cost: everything published while it was down never reached this
 * relay, and pub/sub keeps nothing. Once the channels are subscribed again, every watched server gets
 * its current state at once, the poller's stored {@code last-sync} copy, or a sync request to the poller
 * when there is none; every console being read gets a frame marked {@code gap}, since how many lines
 * went by is unknown. Without this, watchers sat on stale state until the next tick (up to a poll
 * interval) and console readers were not told they had missed lines.
 *
 * <p>Runs on a thread of its own, so neither the Redis reader nor the subscription mirror waits for its
 * reads or for full delivery lanes.
 */
final class GapRepair implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GapRepair.class);

    private final Hub hub;
    private final LatestSyncs syncs;
    private final ConsoleBatcher consoleBatcher;
    private final RelayMetrics metrics;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("relay-gap-repair").daemon().factory());

    GapRepair(Hub hub, LatestSyncs syncs, ConsoleBatcher consoleBatcher, RelayMetrics metrics) {
        this.hub = hub;
        this.syncs = syncs;
        this.consoleBatcher = consoleBatcher;
        this.metrics = metrics;
    }

    /**
     * Frames for these servers and consoles may have been lost; call it once they are subscribed again,
     * so that nothing published from then on is missed either.
     */
    void afterGap(Set<String> servers, Set<String> consoles) {
        if (servers.isEmpty() && consoles.isEmpty()) {
            return; // nothing was watched: nothing was missed
        }
        metrics.pubsubGap();
        try {
            thread.execute(() -> repair(servers, consoles));
        } catch (RejectedExecutionException e) {
            log.debug("Relay stopping; gap not repaired");
        }
    }

    private void repair(Set<String> servers, Set<String> consoles) {
        try {
            for (String id : consoles) {
                consoleBatcher.gap(id);
            }
            metrics.gapRepaired(RelayMetrics.GapRepair.CONSOLE, consoles.size());
            Map<String, ByteBuffer> stored = syncs.stored(servers);
            List<String> missing = new ArrayList<>();
            for (String id : servers) {
                ByteBuffer frame = stored.get(id);
                if (frame == null) {
                    missing.add(id);
                } else {
                    metrics.delivered(hub.deliver(id, frame, true));
                }
            }
            metrics.gapRepaired(RelayMetrics.GapRepair.STORED_SYNC, stored.size());
            if (!missing.isEmpty()) {
                syncs.requestSyncs(missing);
                metrics.gapRepaired(RelayMetrics.GapRepair.SYNC_REQUEST, missing.size());
            }
            log.info("Pub/sub gap repaired: {} servers sent their stored state, {} asked of the poller, {} consoles "
                    + "marked", stored.size(), missing.size(), consoles.size());
        } catch (RuntimeException e) {
            // Redis failed again: the next tick brings every state; the next reconnect repairs again.
            log.warn("Pub/sub gap repair failed, the next tick brings the state: {}", e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
