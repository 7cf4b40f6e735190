package io.stellarrelay.relay.auth;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decides who may watch which server, and who may read its console. */
public interface AccessPolicy {

    /** Any of these in {@code server_members.permissions} lets a member read the console. */
    List<String> CONSOLE_PERMISSIONS = List.of("console.read", "console.*", "*");

    /** A user and a server, for re-checking subscriptions in bulk. */
    record UserServer(String userId, String serverId) {}

    /**
     * What the database says now about a user and a server.
     *
     * @param memberConsole a membership exists and holds one of {@link #CONSOLE_PERMISSIONS}
     */
    record Standing(boolean serverExists, boolean owner, boolean member, boolean memberConsole) {

        /** The grant these facts give a user who is (or is not) an admin; empty when none. */
        public Optional<Grant> grantFor(boolean admin) {
            if (!serverExists) {
                return Optional.empty();
            }
            if (admin) {
                return Optional.of(Grant.of(Grant.Basis.ADMIN, false));
            }
            if (owner) {
                return Optional.of(Grant.of(Grant.Basis.OWNER, false));
            }
            return member ? Optional.of(Grant.of(Grant.Basis.MEMBER, memberConsole)) : Optional.empty();
        }
    }

    /**
     * How the user may watch the server (admin, owner, member; console or not), or empty. A missing
     * server gives empty, exactly like a forbidden one, so existence does not leak.
     */
    Optional<Grant> grant(AuthenticatedUser user, String serverId) throws StoreUnavailableException;

    /** The current standing of many user/server pairs, with one query whatever their number. */
    Map<UserServer, Standing> standings(Collection<UserServer> pairs) throws StoreUnavailableException;
}
