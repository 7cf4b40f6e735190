package io.stellarrelay.relay.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("CachingPanel")
class CachingPanelTest {
    private static final AuthenticatedUser OWNER = new AuthenticatedUser("usr_owner", false);
    private static final AuthenticatedUser ADMIN = new AuthenticatedUser("usr_admin", true);

    /** Knows no session; answers access questions from a map and counts how often it was asked one by one. */
    private static final class FakeAccess implements Panel {
        final Map<AccessPolicy.UserServer, Standing> standing = new HashMap<>();
        int singleLookups;

        @Override
        public Optional<AuthenticatedUser> findUser(String token) {
            return Optional.empty();
        }

        @Override
        public Map<String, SessionState> states(Collection<String> tokens) {
            return Map.of();
        }

        @Override
        public Optional<Grant> grant(AuthenticatedUser user, String serverId) {
            singleLookups++;
            Standing s = standing.get(new UserServer(user.id(), serverId));
            return s == null ? Optional.empty() : s.grantFor(user.admin());
        }

        @Override
        public Map<UserServer, Standing> standings(Collection<UserServer> pairs) {
            Map<UserServer, Standing> out = new HashMap<>();
            for (UserServer p : pairs) {
                out.put(p, standing.getOrDefault(p, new Standing(false, false, false, false)));
            }
            return out;
        }
    }

    private final FakeAccess access = new FakeAccess();
    private long now;
    private final CachingPanel panel = new CachingPanel(access, Duration.ofSeconds(30), () -> now);

    private void at(long seconds) {
        now = TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    @DisplayName("a grant the revalidation confirms stays cached for another interval from that pass")
    void revalidationRefreshesGrants() throws Exception {
        AccessPolicy.UserServer pair = new AccessPolicy.UserServer(OWNER.id(), "srv_1");
        access.standing.put(pair, new AccessPolicy.Standing(true, true, false, false));
        at(0);
        assertEquals(Optional.of(Grant.of(Grant.Basis.OWNER, false)), panel.grant(OWNER, "srv_1"));
        assertEquals(1, access.singleLookups);

        at(20);
        panel.standings(List.of(pair)); // the revalidation pass confirms the ownership

        at(45); // past the first answer's expiry, within an interval of the pass
        assertEquals(Optional.of(Grant.of(Grant.Basis.OWNER, false)), panel.grant(OWNER, "srv_1"));
        assertEquals(1, access.singleLookups, "served from the refreshed cache");

        at(51); // an interval after the pass: asked again
        assertEquals(Optional.of(Grant.of(Grant.Basis.OWNER, false)), panel.grant(OWNER, "srv_1"));
        assertEquals(2, access.singleLookups);
    }

    @Test
    @DisplayName("a pass that finds the access gone drops the cached grant at once")
    void revalidationDropsLostGrants() throws Exception {
        AccessPolicy.UserServer pair = new AccessPolicy.UserServer(OWNER.id(), "srv_1");
        access.standing.put(pair, new AccessPolicy.Standing(true, true, false, false));
        at(0);
        panel.grant(OWNER, "srv_1");
        access.standing.put(pair, new AccessPolicy.Standing(true, false, false, false));
        at(5);
        panel.standings(List.of(pair));
        assertEquals(Optional.empty(), panel.grant(OWNER, "srv_1"));
        assertEquals(2, access.singleLookups);
    }

    @Test
    @DisplayName("an admin's grant is refreshed while the server exists and dropped when it is deleted")
    void adminGrants() throws Exception {
        AccessPolicy.UserServer pair = new AccessPolicy.UserServer(ADMIN.id(), "srv_2");
        access.standing.put(pair, new AccessPolicy.Standing(true, false, false, false));
        at(0);
        panel.grant(ADMIN, "srv_2");
        at(25);
        panel.standings(List.of(pair));
        at(40);
        panel.grant(ADMIN, "srv_2");
        assertEquals(1, access.singleLookups, "refreshed by the pass");

        access.standing.put(pair, new AccessPolicy.Standing(false, false, false, false));
        at(41);
        panel.standings(List.of(pair));
        panel.grant(ADMIN, "srv_2");
        assertEquals(2, access.singleLookups, "a deleted server is not answered from the cache");
    }

    @Test
    @DisplayName("a member whose console permission went keeps a refreshed grant without the console")
    void consolePermissionChange() throws Exception {
        AuthenticatedUser member = new AuthenticatedUser("usr_member", false);
        AccessPolicy.UserServer pair = new AccessPolicy.UserServer(member.id(), "srv_3");
        access.standing.put(pair, new AccessPolicy.Standing(true, false, true, true));
        at(0);
        assertEquals(Optional.of(Grant.of(Grant.Basis.MEMBER, true)), panel.grant(member, "srv_3"));
        access.standing.put(pair, new AccessPolicy.Standing(true, false, true, false));
        at(10);
        panel.standings(List.of(pair));
        assertEquals(Optional.of(Grant.of(Grant.Basis.MEMBER, false)), panel.grant(member, "srv_3"));
        assertEquals(1, access.singleLookups, "the pass's answer is the cached one");
    }
}
