package io.stellarrelay.relay.hostile;

import io.stellarrelay.testing.PanelFixtures;

import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.STRANGER_TOKEN;

/** Who a hostile connection is: never authenticated, or authenticated as a user. */
enum Persona {
    ANONYMOUS(null, null), STRANGER(STRANGER_TOKEN, PanelFixtures.STRANGER), OWNER(OWNER_TOKEN, PanelFixtures.OWNER);

    final String token;
    final String userId;

    Persona(String token, String userId) {
        this.token = token;
        this.userId = userId;
    }
}
