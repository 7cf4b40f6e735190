package io.stellarrelay.relay.auth;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers answers that were positive for one revocation interval, so that a reconnect storm costs the
 * database nothing for sessions and access it has just confirmed: every socket on the relay is
 * re-checked within that same interval anyway (see the revalidator), so a cached answer is never
 * trusted longer than a live socket would be. Negative answers are not cached (a user who just logged in
 * must not be refused), and the bulk re-check methods always go to the database and refresh the cache.
 */
public final class CachingPanel implements SessionStore, AccessPolicy {
    private static final int MAX_ENTRIES = 200_000;

    private record Entry<T>(T value, long expiresAtNanos) {}

    private final SessionStore sessions;
    private final AccessPolicy access;
    private final long ttlNanos;
    private final ConcurrentHashMap<String, Entry<AuthenticatedUser>> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UserServer, Entry<Grant>> grants = new ConcurrentHashMap<>();

    public CachingPanel(SessionStore sessions, AccessPolicy access, Duration ttl) {
        this.sessions = sessions;
        this.access = access;
        this.ttlNanos = ttl.toNanos();
    }

    @Override
    public Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException {
        long now = System.nanoTime();
        Entry<AuthenticatedUser> cached = users.get(token);
        if (cached != null && now < cached.expiresAtNanos()) {
            return Optional.of(cached.value());
        }
        Optional<AuthenticatedUser> user = sessions.findUser(token);
        user.ifPresentOrElse(u -> put(users, token, u, now), () -> users.remove(token));
        return user;
    }

    @Override
    public Map<String, SessionState> states(Collection<String> tokens) throws StoreUnavailableException {
        Map<String, SessionState> states = sessions.states(tokens);
        long now = System.nanoTime();
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
        long now = System.nanoTime();
        UserServer key = new UserServer(user.id(), serverId);
        Entry<Grant> cached = grants.get(key);
        // An admin grant only holds while the user is still an admin.
        if (cached != null && now < cached.expiresAtNanos()
                && (cached.value().basis() != Grant.Basis.ADMIN || user.admin())) {
            return Optional.of(cached.value());
        }
        Optional<Grant> grant = access.grant(user, serverId);
        grant.ifPresentOrElse(g -> put(grants, key, g, now), () -> grants.remove(key));
        return grant;
    }

    @Override
    public Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException {
        Map<UserServer, Standing> standings = access.standings(pairs);
        for (UserServer pair : pairs) {
            Standing s = standings.get(pair);
            // Forget a grant the facts no longer give, console included. Whether a user is still an admin
            // is checked at each lookup, so an admin grant only needs the server to exist.
            grants.computeIfPresent(pair, (key, e) -> s != null && s.serverExists()
                    && (e.value().basis() == Grant.Basis.ADMIN || s.grantFor(false).equals(Optional.of(e.value())))
                    ? e : null);
        }
        return standings;
    }

    /** Drops expired entries. */
    public void prune() {
        long now = System.nanoTime();
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
