package io.stellarrelay.relay;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.CountingDataSource;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.stellarrelay.testing.PanelFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Access changes reach live sockets: each revocation ends deliveries and tells the client why. The
 * re-check is triggered directly (revalidateNow) so each case is deterministic; one case relies on
 * the schedule to show the bound holds on its own.
 */
class RevocationIT {
    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();
    private RelayApp relay;
    private CountingDataSource counting;
    private RedisNames names;

    @BeforeEach
    void start() {
        names = new RedisNames(services.redis().prefix());
        relay = RelayApp.createWrappingDatabase(RelayConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(),
                Map.of("REVALIDATE_INTERVAL_MS", "3600000"))), ds -> (counting = new CountingDataSource(ds)).dataSource())
                .start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private WsTestClient watching(String token, String serverId) throws Exception {
        WsTestClient client = WsTestClient.connect(relay.port());
        client.authenticate(token);
        client.subscribe(serverId);
        return client;
    }

    private String publishProbe(String serverId) {
        String frame = "{\"type\":\"server:sync\",\"serverId\":\"" + serverId + "\",\"data\":{\"probe\":" + System.nanoTime() + "}}";
        services.redis().client().publish(names.serverChannel(serverId), frame);
        return frame;
    }

    /** A frame published now reaches the client. */
    private void assertStillReceives(WsTestClient client, String serverId) throws Exception {
        String frame = publishProbe(serverId);
        client.awaitMessage(frame::equals);
    }

    /**
     * A frame published now does not reach the client: a witness that still watches the server gets it,
     * which means the relay has delivered it, and the client's ping barrier shows it did not arrive there.
     */
    private void assertNoLongerReceives(WsTestClient client, String serverId) throws Exception {
        try (WsTestClient witness = watching(ADMIN_TOKEN, serverId)) {
            // The relay may have dropped the channel with the revoked watcher; wait for it to be back.
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(serverId), 1);
            String frame = publishProbe(serverId);
            witness.awaitMessage(frame::equals);
            assertFalse(client.drainUntilPong().contains(frame));
        }
    }

    private void assertSessionEnded(WsTestClient client, String error) throws Exception {
        assertEquals("{\"type\":\"auth_error\",\"error\":\"" + error + "\"}", client.next());
        assertEquals(CloseCode.SESSION_ENDED.code(), client.awaitClose());
    }

    @Test
    @DisplayName("a deleted session gets auth_error 'Session revoked' and close 4003")
    void deletedSession() throws Exception {
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER)) {
            services.db().execute("DELETE FROM sessions WHERE token = '" + OWNER_TOKEN + "'");
            relay.revalidateNow();
            assertSessionEnded(owner, "Session revoked");
        }
    }

    @Test
    @DisplayName("an expired session gets auth_error 'Session expired' and close 4003")
    void expiredSession() throws Exception {
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER)) {
            services.db().execute("UPDATE sessions SET \"expiresAt\" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE token = '"
                    + OWNER_TOKEN + "'");
            relay.revalidateNow();
            assertSessionEnded(owner, "Session expired");
        }
    }

    @Test
    @DisplayName("a banned user gets auth_error 'User banned' and close 4003; other users are untouched")
    void bannedUser() throws Exception {
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER); WsTestClient member = watching(MEMBER_TOKEN, SERVER)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(SERVER), 1);
            services.db().execute("UPDATE users SET banned = true WHERE id = '" + OWNER + "'");
            relay.revalidateNow();
            assertSessionEnded(owner, "User banned");
            assertStillReceives(member, SERVER);
        }
    }

    @Test
    @DisplayName("a removed membership ends that subscription with the reason, and deliveries stop")
    void membershipRemoved() throws Exception {
        try (WsTestClient member = watching(MEMBER_TOKEN, SERVER)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(SERVER), 1);
            assertStillReceives(member, SERVER);
            services.db().execute("DELETE FROM server_members WHERE \"userId\" = '" + MEMBER + "'");
            relay.revalidateNow();
            assertEquals("{\"type\":\"error\",\"error\":\"Access revoked: membership removed\",\"serverId\":\"srv_abc123\"}",
                    member.next());
            assertNoLongerReceives(member, SERVER);
            assertTrue(member.isOpen(), "the socket itself stays usable");
        }
    }

    @Test
    @DisplayName("ownership moved to someone else ends the old owner's subscription with 'ownership transferred'")
    void ownershipTransferred() throws Exception {
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER)) {
            services.db().execute("UPDATE servers SET \"ownerId\" = '" + STRANGER + "' WHERE id = '" + SERVER + "'");
            relay.revalidateNow();
            assertEquals("{\"type\":\"error\",\"error\":\"Access revoked: ownership transferred\",\"serverId\":\"srv_abc123\"}",
                    owner.next());
            assertNoLongerReceives(owner, SERVER);
        }
    }

    @Test
    @DisplayName("a deleted server ends every subscription to it with 'server deleted'")
    void serverDeleted() throws Exception {
        try (WsTestClient admin = watching(ADMIN_TOKEN, OTHER_SERVER)) {
            services.db().execute("DELETE FROM servers WHERE id = '" + OTHER_SERVER + "'");
            relay.revalidateNow();
            assertEquals("{\"type\":\"error\",\"error\":\"Access revoked: server deleted\",\"serverId\":\"srv_other\"}",
                    admin.next());
            // Nobody may watch a deleted server, so no witness: the relay drops the Redis subscription itself.
            org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT)
                    .until(() -> services.redis().subscribers(names.serverChannel(OTHER_SERVER)) == 0);
        }
    }

    @Test
    @DisplayName("an admin demoted to user loses servers they neither own nor belong to ('admin role removed')")
    void adminDemoted() throws Exception {
        try (WsTestClient admin = watching(ADMIN_TOKEN, SERVER)) {
            services.db().execute("UPDATE users SET role = 'user' WHERE id = '" + ADMIN + "'");
            relay.revalidateNow();
            assertEquals("{\"type\":\"error\",\"error\":\"Access revoked: admin role removed\",\"serverId\":\"srv_abc123\"}",
                    admin.next());
        }
    }

    @Test
    @DisplayName("a re-check costs two SQL statements for the whole relay, however many sockets and subscriptions")
    void recheckIsBatched() throws Exception {
        List<WsTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                clients.add(watching(i % 2 == 0 ? OWNER_TOKEN : MEMBER_TOKEN, SERVER));
                clients.add(watching(ADMIN_TOKEN, i % 2 == 0 ? SERVER : OTHER_SERVER));
            }
            counting.reset();
            relay.revalidateNow();
            assertEquals(2, counting.statements());
            for (WsTestClient c : clients) {
                assertTrue(c.drainUntilPong().isEmpty(), "nothing was revoked");
            }
        } finally {
            clients.forEach(WsTestClient::close);
        }
    }

    @Test
    @DisplayName("on its schedule, the re-check ends a deleted session within REVALIDATE_INTERVAL_MS")
    void scheduledRecheck() throws Exception {
        relay.close();
        relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of("REVALIDATE_INTERVAL_MS", "1000"));
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER)) {
            services.db().execute("DELETE FROM sessions WHERE token = '" + OWNER_TOKEN + "'");
            long deleted = System.nanoTime();
            assertSessionEnded(owner, "Session revoked");
            assertTrue(System.nanoTime() - deleted <= Duration.ofMillis(1000 + 500).toNanos(),
                    "within one interval plus the time of one pass");
        }
    }
}
