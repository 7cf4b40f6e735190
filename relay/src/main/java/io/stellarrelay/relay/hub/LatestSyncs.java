package io.stellarrelay.relay.hub;

import io.stellarrelay.protocol.Utf8;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

import io.stellarrelay.relay.websocket.Frames;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The current state of a server for a new subscriber, so it need not wait for the next tick: the last
 * sync this relay delivered for it, or else the one the poller keeps in Redis.
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
    // KEYS[1]: the request list; ARGV[1]: how long an untaken request is worth keeping; ARGV[2]: the cap;
    // ARGV[3..]: server ids.
    private static final String PUSH_REQUESTS = """
            redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
            redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """;
    /** Server ids per request script: well below Lua's limit on unpacked arguments. */
    private static final int IDS_PER_REQUEST = 1000;

    private final Hub hub;
    private final RedisCommands redis;
    private final RedisNames names;
    private final String requestTtlMillis;
    private final CoalescedRequests<String> requests = new CoalescedRequests<>("relay-sync-requests", IDS_PER_REQUEST,
            this::requestSyncs, e -> log.debug("Could not ask the poller for first syncs: {}", e.toString()));

    /** @param pollInterval a request nobody took within two intervals is stale: the ticks have covered it */
    public LatestSyncs(Hub hub, RedisCommands redis, RedisNames names, Duration pollInterval) {
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
            ByteBuffer stored = checked(redis.get(names.lastSyncKey(serverId)));
            return stored == null ? null : Frames.text(stored);
        } catch (RuntimeException e) {
            // Only an optimisation: the next tick brings the state anyway.
            log.debug("No latest sync from Redis for a new subscriber: {}", e.toString());
            return null;
        }
    }

    /**
     * The poller's stored sync of each server that has one, read from Redis in one pipeline (the relay's
     * own last delivery may be older: this is for after frames were lost). Throws when Redis fails.
     */
    public Map<String, ByteBuffer> stored(Collection<String> serverIds) {
        Map<String, Response<byte[]>> replies = new LinkedHashMap<>();
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (String id : serverIds) {
                replies.put(id, pipeline.get(names.lastSyncKey(id)));
            }
            pipeline.sync();
        }
        Map<String, ByteBuffer> frames = new LinkedHashMap<>();
        replies.forEach((id, reply) -> {
            ByteBuffer frame = checked(reply.get());
            if (frame != null) {
                frames.put(id, frame);
            }
        });
        return frames;
    }

    private static ByteBuffer checked(byte[] stored) {
        return stored == null || !Utf8.isWellFormed(stored) ? null : ByteBuffer.wrap(stored).asReadOnlyBuffer();
    }

    /**
     * Asks the active poller to sync the server at once: a client just subscribed to it and no copy of
     * its state exists (nobody watched it lately). Returns at once; the request goes to Redis with those
     * of other subscribers meanwhile, in one script run (the profile of a storm of 5,000 reconnecting
     * clients had one run per client at 7 % of the relay's CPU). Call it after the socket joined the hub,
     * so the relay's subscription to the server's channel is on its way before the poller publishes.
     * A request Redis refuses is dropped: only an optimisation, the next tick brings the state anyway.
     */
    public void requestSync(String serverId) {
        requests.add(serverId);
    }

    /** Asks the active poller to sync these servers at once; throws when Redis fails. */
    public void requestSyncs(List<String> serverIds) {
        for (int from = 0; from < serverIds.size(); from += IDS_PER_REQUEST) {
            List<String> args = new ArrayList<>();
            args.add(requestTtlMillis);
            args.add(Integer.toString(MAX_PENDING_REQUESTS));
            args.addAll(serverIds.subList(from, Math.min(serverIds.size(), from + IDS_PER_REQUEST)));
            redis.eval(PUSH_REQUESTS, List.of(names.syncRequestsKey()), args);
        }
    }
}
