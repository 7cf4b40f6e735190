package io.stellarrelay.relay.auth;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Remembers answers that were positive for one revocation interval, so that a reconnect storm costs the
 * database nothing for sessions and access it has just confirmed: every socket on the relay is
 * re-checked within that same interval anyway (see the revalidator), so a cached answer is never
 * trusted longer than a live socket would be. Negative answers are not cached (a user who just logged in
 * must not be refused), and the bulk re-check methods always go to the database and refresh the cache.
 */
public final class CachingPanel implements Panel {
    private static final int MAX_ENTRIES = 200_000;

    private record Entry<T>(T value, long expiresAtNanos) {}

    private final Panel source;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Entry<AuthenticatedUser>> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UserServer, Entry<Grant>> grants = new ConcurrentHashMap<>();

    public CachingPanel(Panel source, Duration ttl) {
        this(source, ttl, System::nanoTime);
    }

    /** With a clock of the caller's, for tests. */
    CachingPanel(Panel source, Duration ttl, LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.source = source;
        this.ttlNanos = ttl.toNanos();
    }

    @Override
    public Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException {
        long now = clock.getAsLong();
        Entry<AuthenticatedUser> cached = users.get(token);
        if (cached != null && now < cached.expiresAtNanos()) {
            return Optional.of(cached.value());
        }
        Optional<AuthenticatedUser> user = source.findUser(token);
        user.ifPresentOrElse(u -> put(users, token, u, now), () -> users.remove(token));
        return user;
    }

    @Override
    public Map<String, SessionState> states(Collection<String> tokens) throws StoreUnavailableException {
        Map<String, SessionState> states = source.states(tokens);
        long now = clock.getAsLong();
        for (String token : tokens) {
            if (states.get(token) instanceof SessionState.Valid valid) {
                put(users, token, valid.user(), now);
            } else {
                users.remove(token);
            }
        }
        return states;
    }

    @Override
    public Optional<Grant> grant(AuthenticatedUser user, String serverId) throws StoreUnavailableException {
        long now = clock.getAsLong();
        UserServer key = new UserServer(user.id(), serverId);
        Entry<Grant> cached = grants.get(key);
        // An admin grant only holds while the user is still an admin.
        if (cached != null && now < cached.expiresAtNanos()
                && (cached.value().basis() != Grant.Basis.ADMIN || user.admin())) {
            return Optional.of(cached.value());
        }
        Optional<Grant> grant = source.grant(user, serverId);
        grant.ifPresentOrElse(g -> put(grants, key, g, now), () -> grants.remove(key));
        return grant;
    }

    /**
     * Also refreshes the cached grants the database has just confirmed, so that a reconnect storm right
     * after a revalidation pass (or up to one interval later) finds every live subscription's grant.
     */
    @Override
    public Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException {
        Map<UserServer, Standing> standings = source.standings(pairs);
        long now = clock.getAsLong();
        for (UserServer pair : pairs) {
            Standing s = standings.get(pair);
            Entry<Grant> cached = grants.get(pair);
            if (s == null || !s.serverExists()) {
                grants.remove(pair);
            } else if (cached != null && cached.value().basis() == Grant.Basis.ADMIN) {
                // Whether the user is still an admin is checked at each lookup (from the session,
                // which states() refreshes); the grant only needs the server to exist.
                put(grants, pair, cached.value(), now);
            } else {
                // Refresh what the facts give now (console included), forget what they no longer give.
                s.grantFor(false).ifPresentOrElse(g -> put(grants, pair, g, now), () -> grants.remove(pair));
            }
        }
        return standings;
    }

    /** Drops expired entries. */
    public void prune() {
        long now = clock.getAsLong();
        users.values().removeIf(e -> now >= e.expiresAtNanos());
        grants.values().removeIf(e -> now >= e.expiresAtNanos());
    }

    private <K, V> void put(ConcurrentHashMap<K, Entry<V>> map, K key, V value, long now) {
        if (map.size() >= MAX_ENTRIES && !map.containsKey(key)) {
            prune();
            if (map.size() >= MAX_ENTRIES) {
                return; // full of live entries: answer from the database instead of growing
            }
        }
        map.put(key, new Entry<>(value, now + ttlNanos));
    }
}
