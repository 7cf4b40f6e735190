package io.stellarrelay.relay.ws;

import io.stellarrelay.relay.auth.AccessPolicy.Standing;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static io.stellarrelay.relay.ws.Revalidator.revocationReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

class RevalidatorTest {
    private static final AuthenticatedUser USER = new AuthenticatedUser("u", false);
    private static final AuthenticatedUser ADMIN = new AuthenticatedUser("u", true);

    @Test
    @DisplayName("access stands while the user is admin, owner or member of an existing server")
    void accessStands() {
        assertNull(revocationReason(ADMIN, new Grant(Grant.Basis.ADMIN, true), new Standing(true, false, false, false)));
        assertNull(revocationReason(USER, new Grant(Grant.Basis.OWNER, true), new Standing(true, true, false, false)));
        assertNull(revocationReason(USER, new Grant(Grant.Basis.MEMBER, true), new Standing(true, false, true, false)));
        assertNull(revocationReason(USER, new Grant(Grant.Basis.MEMBER, true), new Standing(true, true, false, false)), "became owner instead");
    }

    @Test
    @DisplayName("the reason names what changed, judged from how access had been granted")
    void reasons() {
        assertEquals("server deleted", revocationReason(ADMIN, new Grant(Grant.Basis.ADMIN, true), new Standing(false, false, false, false)));
        assertEquals("server deleted", revocationReason(USER, new Grant(Grant.Basis.OWNER, true), null));
        assertEquals("admin role removed", revocationReason(USER, new Grant(Grant.Basis.ADMIN, true), new Standing(true, false, false, false)));
        assertEquals("ownership transferred", revocationReason(USER, new Grant(Grant.Basis.OWNER, true), new Standing(true, false, false, false)));
        assertEquals("membership removed", revocationReason(USER, new Grant(Grant.Basis.MEMBER, true), new Standing(true, false, false, false)));
    }

    @Test
    @DisplayName("the console stays for admins, owners and members with a console permission, and goes for other members")
    void consoleFollowsThePermission() {
        assertTrue(Revalidator.mayReadConsole(ADMIN, new Standing(true, false, true, false)));
        assertTrue(Revalidator.mayReadConsole(USER, new Standing(true, true, true, false)));
        assertTrue(Revalidator.mayReadConsole(USER, new Standing(true, false, true, true)));
        assertFalse(Revalidator.mayReadConsole(USER, new Standing(true, false, true, false)));
        assertFalse(Revalidator.mayReadConsole(USER, new Standing(false, true, false, false)));
    }
}
