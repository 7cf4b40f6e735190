package io.stellarrelay.relay.hub;

import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Publishes which servers this relay's sockets watch, so that the poller queries exactly those.
 *
 * <p>The set lives at {@link RedisNames#relayWatchKey} with an expiry of one lease, renewed every quarter
 * lease; the relay id is listed in {@link RedisNames#relayIndexKey}. A relay that dies without cleaning
 * up simply stops renewing: its set expires and the poller drops it. Each relay owns its own set, so a
 * server that one relay lets go stays registered as long as any other relay still watches it.
 *
 * <p>Every write is a MULTI/EXEC, so the poller's read script never sees the index entry and the set out
 * of step. If the set has vanished (Redis restarted, or the lease ran out during a long pause) the next
 * renewal notices and rewrites it whole.
 */
public final class WatchRegistration extends HubMirror {
    private static final int IDS_PER_COMMAND = 1000;

    private final RedisClient redis;
    private final String relayId;
    private final String key;
    private final String indexKey;
    private final long leaseMillis;

    public WatchRegistration(Hub hub, RedisClient redis, RedisNames names, String relayId, Duration lease) {
        super(hub, "relay-watch-registration", lease.dividedBy(4));
        this.redis = redis;
        this.relayId = relayId;
        this.key = names.relayWatchKey(relayId);
        this.indexKey = names.relayIndexKey();
        this.leaseMillis = lease.toMillis();
    }

    @Override
    public void start() {
        super.start();
        requestResync();
    }

    @Override
    protected void apply(Set<String> changed) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String id : changed) {
            (hub.isWatched(id) ? added : removed).add(id);
        }
        try (AbstractTransaction tx = redis.multi()) {
            forChunks(removed, chunk -> tx.srem(key, chunk));
            forChunks(added, chunk -> tx.sadd(key, chunk));
            renew(tx);
            tx.exec();
        }
    }

    @Override
    protected void resync(Set<String> watched) {
        try (AbstractTransaction tx = redis.multi()) {
            tx.del(key);
            forChunks(new ArrayList<>(watched), chunk -> tx.sadd(key, chunk));
            renew(tx);
            tx.exec();
        }
    }

    /** Renews the lease; rebuilds the set if it was lost while this relay still watches something. */
    @Override
    protected void onIdle() {
        Response<Long> renewed;
        try (AbstractTransaction tx = redis.multi()) {
            renewed = tx.pexpire(key, leaseMillis);
            tx.sadd(indexKey, relayId);
            tx.exec();
        }
        if (renewed.get() == 0 && hub.watchedServerCount() > 0) {
            log.warn("Watch set {} was gone (Redis restart or a pause longer than the lease); rebuilding it", key);
            requestResync();
        }
    }

    private void renew(AbstractTransaction tx) {
        tx.pexpire(key, leaseMillis);
        tx.sadd(indexKey, relayId);
    }

    private static void forChunks(List<String> ids, java.util.function.Consumer<String[]> command) {
        for (int from = 0; from < ids.size(); from += IDS_PER_COMMAND) {
            command.accept(ids.subList(from, Math.min(ids.size(), from + IDS_PER_COMMAND)).toArray(String[]::new));
        }
    }

    /** Withdraws this relay's registration at once, for a clean shutdown. */
    public void withdraw() {
        try (AbstractTransaction tx = redis.multi()) {
            tx.del(key);
            tx.srem(indexKey, relayId);
            tx.exec();
        } catch (Exception e) {
            log.warn("Could not withdraw watch set {} (it expires by itself): {}", key, e.toString());
        }
    }
}
