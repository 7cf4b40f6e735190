package io.stellarrelay.relay.ws;

import io.stellarrelay.relay.auth.AccessPolicy.Standing;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static io.stellarrelay.relay.ws.Revalidator.revocationReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RevalidatorTest {
    private static final AuthenticatedUser USER = new AuthenticatedUser("u", false);
    private static final AuthenticatedUser ADMIN = new AuthenticatedUser("u", true);

    @Test
    @DisplayName("access stands while the user is admin, owner or member of an existing server")
    void accessStands() {
        assertNull(revocationReason(ADMIN, Grant.ADMIN, new Standing(true, false, false)));
        assertNull(revocationReason(USER, Grant.OWNER, new Standing(true, true, false)));
        assertNull(revocationReason(USER, Grant.MEMBER, new Standing(true, false, true)));
        assertNull(revocationReason(USER, Grant.MEMBER, new Standing(true, true, false)), "became owner instead");
    }

    @Test
    @DisplayName("the reason names what changed, judged from how access had been granted")
    void reasons() {
        assertEquals("server deleted", revocationReason(ADMIN, Grant.ADMIN, new Standing(false, false, false)));
        assertEquals("server deleted", revocationReason(USER, Grant.OWNER, null));
        assertEquals("admin role removed", revocationReason(USER, Grant.ADMIN, new Standing(true, false, false)));
        assertEquals("ownership transferred", revocationReason(USER, Grant.OWNER, new Standing(true, false, false)));
        assertEquals("membership removed", revocationReason(USER, Grant.MEMBER, new Standing(true, false, false)));
    }
}
