package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ServiceLocator;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import io.stellarrelay.testing.TestServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The path a machine with only a JDK and Maven takes: no service in the environment, no Docker. CI
 * points the rest of the suite at the machine's own services, so this test resolves services for an
 * empty environment itself and runs the whole stack on what that gives.
 */
class EmbeddedFallbackIT {

    @Test
    @DisplayName("with no service configured and no Docker, the fixtures start embedded PostgreSQL and Redis "
            + "and the whole stack runs on them")
    void wholeStackRunsOnEmbeddedServices() throws Exception {
        TestServices.Endpoints endpoints = TestServices.resolve(Map.of(), () -> false);
        assertEquals(ServiceLocator.Source.EMBEDDED, endpoints.databaseSource());
        assertEquals(ServiceLocator.Source.EMBEDDED, endpoints.redisSource());

        try (TestDatabase db = TestDatabase.create(endpoints.adminDatabaseUrl());
             TestRedis redis = TestRedis.create(endpoints.redisUrl())) {
            PanelFixtures.load(db);
            Map<String, String> env = Map.of("POLL_INTERVAL_MS", "200");
            try (RelayApp relay = RelayFixture.startRelay(db, redis, env);
                 Poller poller = Poller.create(PollerConfig.fromEnvironment(
                         RelayFixture.environment(db, redis, env))).start();
                 WsTestClient client = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN))) {
                assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_owner\"}", client.next());
                client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
                assertTrue(client.awaitSync(SERVER).contains("\"name\":\"my-server\""));
            }
        }
    }
}
