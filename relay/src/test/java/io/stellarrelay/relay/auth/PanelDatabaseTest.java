package io.stellarrelay.relay.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("PanelDatabase.isAdmin")
class PanelDatabaseTest {

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("sees an admin in a role list that contains admin as one of its comma-separated entries")
    @ValueSource(strings = {"admin", "admin,user", "user,admin", " user , admin ", "admin,"})
    void recognisesAdmin(String role) {
        assertTrue(PanelDatabase.isAdmin(role));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("sees no admin in roles that only resemble admin")
    @ValueSource(strings = {"user", "administrator", "superadmin", "admin user", "", ",", "user,moderator"})
    void rejectsOtherRoles(String role) {
        assertFalse(PanelDatabase.isAdmin(role));
    }

    @Test
    @DisplayName("sees no admin when the user has no role at all")
    void nullRoleIsNotAdmin() {
        assertFalse(PanelDatabase.isAdmin(null));
    }
}
