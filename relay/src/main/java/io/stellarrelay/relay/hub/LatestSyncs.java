package io.stellarrelay.relay.hub;

import io.stellarrelay.protocol.Utf8Check;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

import io.stellarrelay.relay.websocket.Frames;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * The current state of a server for a new subscriber, so it need not wait for the next tick: the last
 * sync this relay delivered for it, or else the one the poller left in Redis (for two intervals).
 *
 * <p>The stored copy is read from {@code REDIS_URL} (the primary), not from the regional replica that
 * {@code REDIS_SUBSCRIBE_URL} may name: the primary has it first and, unlike a replica whose link is
 * down, never serves a stale frame; the relay needs that connection anyway for its watch set; and this
 * is one read per new subscription, not per delivery, so a cross-region round trip costs little next to
 * the poll interval a client would otherwise wait.
 */
public final class LatestSyncs {
    private static final Logger log = LoggerFactory.getLogger(LatestSyncs.class);

    /** Longest the request list may grow while no poller takes from it. */
    static final int MAX_PENDING_REQUESTS = 10_000;
    // KEYS[1]: the request list; ARGV[1]: server id; ARGV[2]: how long an untaken request is worth keeping.
    private static final String PUSH_REQUEST = """
            redis.call('RPUSH', KEYS[1], ARGV[1])
            redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """;

    private final Hub hub;
    private final UnifiedJedis redis;
    private final RedisNames names;
    private final String requestTtlMillis;

    /** @param pollInterval a request nobody took within two intervals is stale: the ticks have covered it */
    public LatestSyncs(Hub hub, UnifiedJedis redis, RedisNames names, Duration pollInterval) {
        this.hub = hub;
        this.redis = redis;
        this.names = names;
        this.requestTtlMillis = Long.toString(pollInterval.toMillis() * 2);
    }

    /**
     * The latest sync of the server as a complete WebSocket frame (read it through a duplicate), or null when
     * there is none (or Redis cannot say).
     */
    public ByteBuffer of(String serverId) {
        ByteBuffer local = hub.latest(serverId);
        if (local != null) {
            return local;
        }
        try {
            byte[] stored = redis.get(names.lastSyncKey(serverId));
            return stored == null || !Utf8Check.isWellFormed(stored) ? null : Frames.text(stored);
        } catch (RuntimeException e) {
            // Only an optimisation: the next tick brings the state anyway.
            log.debug("No latest sync from Redis for a new subscriber: {}", e.toString());
            return null;
        }
    }

    /**
     * Asks the active poller to sync the server at once: a client just subscribed to it and no copy of
     * its state exists (nobody watched it for two intervals). Call it after the socket joined the hub, so
     * the relay's subscription to the server's channel is on its way before the poller publishes.
     */
    public void requestSync(String serverId) {
        try {
            redis.eval(PUSH_REQUEST, List.of(names.syncRequestsKey()),
                    List.of(serverId, requestTtlMillis, Integer.toString(MAX_PENDING_REQUESTS)));
        } catch (RuntimeException e) {
            // Only an optimisation: the next tick brings the state anyway.
            log.debug("Could not ask the poller for a first sync: {}", e.toString());
        }
    }
}
