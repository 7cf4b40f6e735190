package io.stellarrelay.relay.broker;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
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
 * of step. If the set has been lost (Redis restarted, memory eviction, a pause longer than the lease) a
 * write notices that it did not exist, and every renewal compares its size with the hub; either
 * rewrites it whole. The set and the index share the {@code {prefix}} hash tag, so on a Redis Cluster
 * these transactions run on the one node that owns that slot.
 */
public final class WatchRegistration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchRegistration.class);

    private final HubMirror mirror;
    private final Hub hub;
    private final RedisCommands redis;
    private final String relayId;
    private final String key;
    private final String indexKey;
    private final long leaseMillis;
    /**
     * What the set holds after this relay's last write (mirror thread only). Checks compare Redis with
     * this, never with the hub: the hub changes before its listeners are told, so a hub read between the
     * two sees a change whose key is not queued yet, which looked like a lost set and forced a rebuild.
     */
    private final Set<String> written = new HashSet<>();

    public WatchRegistration(Hub hub, RedisCommands redis, RedisNames names, String relayId, Duration lease) {
        this.mirror = new HubMirror("relay-watch-registration", this::apply, this::resync, lease.dividedBy(4),
                this::onIdle);
        this.hub = hub;
        this.redis = redis;
        this.relayId = relayId;
        this.key = names.relayWatchKey(relayId);
        this.indexKey = names.relayIndexKey();
        this.leaseMillis = lease.toMillis();
    }

    /** Starts mirroring every server gaining or losing watchers, beginning with the whole set. */
    public void start() {
        hub.addListener(mirror::changed);
        mirror.start();
        mirror.requestResync();
    }

    private void apply(Set<String> changed) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String id : changed) {
            (hub.isWatched(id) ? added : removed).add(id);
        }
        Response<Boolean> existed = redis.inTransaction(key, tx -> {
            Response<Boolean> exists = tx.exists(key);
            Chunks.forChunks(removed, chunk -> tx.srem(key, chunk));
            Chunks.forChunks(added, chunk -> tx.sadd(key, chunk));
            renew(tx);
            return exists;
        });
        // A set that had vanished now holds only this batch: rebuild it before anything is missed. (Redis
        // deletes a set whose last member went, so a missing key after an empty set is no loss.)
        boolean expectedEmpty = written.isEmpty();
        written.removeAll(removed);
        written.addAll(added);
        if (!existed.get() && !expectedEmpty && written.size() > added.size()) {
            log.warn("Watch set {} was gone; rebuilding it", key);
            mirror.requestResync();
        }
    }

    private void resync() {
        Set<String> watched = hub.watchedServers();
        written.clear();
        redis.inTransaction(key, tx -> {
            tx.del(key);
            Chunks.forChunks(new ArrayList<>(watched), chunk -> tx.sadd(key, chunk));
            renew(tx);
            return null;
        });
        written.addAll(watched);
    }

    /**
     * Renews the lease, and rebuilds the set when it no longer holds what this relay wrote (lost in a
     * Redis restart, evicted, expired during a long pause, or changed by hand). Whatever the hub changed
     * since is queued and follows with the next batch.
     */
    private void onIdle() {
        Response<Long> size = redis.inTransaction(key, tx -> {
            renew(tx);
            return tx.scard(key);
        });
        if (size.get() != written.size()) {
            log.warn("Watch set {} holds {} servers but {} were written; rebuilding it", key, size.get(),
                    written.size());
            mirror.requestResync();
        }
    }

    private void renew(AbstractTransaction tx) {
        tx.pexpire(key, leaseMillis);
        tx.sadd(indexKey, relayId);
    }

    @Override
    public void close() {
        mirror.close();
    }

    /** Withdraws this relay's registration at once, for a clean shutdown. */
    public void withdraw() {
        try {
            redis.inTransaction(key, tx -> {
                tx.del(key);
                return tx.srem(indexKey, relayId);
            });
        } catch (Exception e) {
            log.warn("Could not withdraw watch set {} (it expires by itself): {}", key, e.toString());
        }
    }
}
