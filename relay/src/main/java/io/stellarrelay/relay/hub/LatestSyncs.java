package io.stellarrelay.relay.hub;

import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

import java.nio.ByteBuffer;

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

    private final Hub hub;
    private final UnifiedJedis redis;
    private final RedisNames names;

    public LatestSyncs(Hub hub, UnifiedJedis redis, RedisNames names) {
        this.hub = hub;
        this.redis = redis;
        this.names = names;
    }

    /** The latest sync frame of the server, or null when there is none (or Redis cannot say). */
    public ByteBuffer of(String serverId) {
        ByteBuffer local = hub.latest(serverId);
        if (local != null) {
            return local;
        }
        try {
            byte[] stored = redis.get(names.lastSyncKey(serverId));
            return stored == null || !RelaySubscriber.isValidUtf8(stored) ? null : ByteBuffer.wrap(stored).asReadOnlyBuffer();
        } catch (RuntimeException e) {
            // Only an optimisation: the next tick brings the state anyway.
            log.debug("No latest sync from Redis for a new subscriber: {}", e.toString());
            return null;
        }
    }
}
