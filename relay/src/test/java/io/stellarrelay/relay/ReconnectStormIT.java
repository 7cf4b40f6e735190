package io.stellarrelay.relay;

import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.CountingDataSource;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.stellarrelay.testing.PanelFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After a relay-wide disconnect every client comes back at once: that must not cost the database again. */
class ReconnectStormIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();

    private static List<WsTestClient> wave(RelayApp relay) throws Exception {
        List<WsTestClient> clients = new ArrayList<>();
        String[] tokens = {OWNER_TOKEN, MEMBER_TOKEN, ADMIN_TOKEN};
        for (int i = 0; i < 12; i++) {
            WsTestClient c = WsTestClient.connect(relay.port());
            c.send("{\"type\":\"auth\",\"token\":\"" + tokens[i % 3] + "\"}");
            assertTrue(c.next().contains("auth_success"));
            for (String id : i % 3 == 2 ? new String[] {SERVER, OTHER_SERVER} : new String[] {SERVER}) {
                c.subscribe(id);
            }
            clients.add(c);
        }
        return clients;
    }

    @Test
    @DisplayName("sessions and access confirmed within the revocation interval are not queried again on reconnect")
    void stormHitsTheDatabaseOncePerSession() throws Exception {
        CountingDataSource[] counting = new CountingDataSource[1];
        try (RelayApp relay = RelayApp.createWrappingDatabase(RelayConfig.fromEnvironment(RelayFixture.environment(
                services.db(), services.redis(), Map.of("REVALIDATE_INTERVAL_MS", "600000"))),
                ds -> (counting[0] = new CountingDataSource(ds)).dataSource()).start()) {
            List<WsTestClient> first = wave(relay);
            // 3 sessions, and 4 distinct user/server pairs: at most one statement each (fewer when
            // lookups arrive together), and at least one of each kind, or the counter sees nothing.
            int firstWave = counting[0].statements();
            assertTrue(firstWave >= 2 && firstWave <= 7, "first wave: " + firstWave);
            counting[0].reset();

            first.forEach(WsTestClient::close);
            await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 0);
            List<WsTestClient> second = wave(relay);
            assertEquals(0, counting[0].statements(), "the storm was answered from what was just confirmed");
            second.forEach(WsTestClient::close);
        }
    }
}
