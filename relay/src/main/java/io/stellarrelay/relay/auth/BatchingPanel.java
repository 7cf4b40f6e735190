package io.stellarrelay.relay.auth;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Session lookups and access checks of single sockets, answered by the bulk queries the revalidation
 * uses ({@link SessionStore#states}, {@link AccessPolicy#standings}), so that lookups arriving together
 * (a reconnect storm) share statements. The answers are the same as the single-row queries': a session
 * is valid only when it exists, has not expired and its user is not banned; a grant follows
 * {@link Standing#grantFor}.
 */
public final class BatchingPanel implements Panel {
    /** Keys per statement: large enough for storms, small enough to keep each statement quick. */
    static final int MAX_BATCH = 500;

    private final Panel source;
    private final Coalescer<String, SessionState> sessionLookups;
    private final Coalescer<UserServer, Standing> accessLookups;

    /** @param maxLoads statements of each kind at a time: leave room in the pool for the rest */
    public BatchingPanel(Panel source, int maxLoads) {
        this.source = source;
        this.sessionLookups = new Coalescer<>(source::states, MAX_BATCH, maxLoads);
        this.accessLookups = new Coalescer<>(source::standings, MAX_BATCH, maxLoads);
    }

    @Override
    public Optional<AuthenticatedUser> findUser(String token) throws StoreUnavailableException {
        return sessionLookups.get(token) instanceof SessionState.Valid valid ? Optional.of(valid.user()) : Optional.empty();
    }

    @Override
    public Map<String, SessionState> states(Collection<String> tokens) throws StoreUnavailableException {
        return source.states(tokens);
    }

    @Override
    public Optional<Grant> grant(AuthenticatedUser user, String serverId) throws StoreUnavailableException {
        Standing standing = accessLookups.get(new UserServer(user.id(), serverId));
        return standing == null ? Optional.empty() : standing.grantFor(user.admin());
    }

    @Override
    public Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException {
        return source.standings(pairs);
    }
}
