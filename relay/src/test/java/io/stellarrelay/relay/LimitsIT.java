package io.stellarrelay.relay;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each configurable limit, on a relay of its own so the limits do not interfere. */
class LimitsIT {
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();

    @BeforeAll
    static void start() {
        PanelFixtures.addBulkServers(services.db(), 5);
    }

    private static RelayApp relay(Map<String, String> limits) {
        return RelayFixture.startRelay(services.db(), services.redis(), limits);
    }

    private static WsTestClient authenticated(RelayApp relay, String token) throws Exception {
        return WsTestClient.connect(relay.port()).authenticate(token);
    }

    @Test
    @DisplayName("a socket that does not authenticate within AUTH_TIMEOUT_MS is closed with 4001")
    void authTimeout() throws Exception {
        // Long enough for the prompt socket's first login (a cold pool and JIT on a loaded CI machine took
        // more than 300 ms), short enough for the idle one to be closed well within the client's wait.
        try (RelayApp relay = relay(Map.of("AUTH_TIMEOUT_MS", "2000"));
             WsTestClient idle = WsTestClient.connect(relay.port());
             WsTestClient prompt = authenticated(relay, OWNER_TOKEN)) {
            assertEquals(CloseCode.AUTH_TIMEOUT.code(), idle.awaitClose());
            prompt.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", prompt.next(), "authenticated sockets are not affected");
            assertTrue(prompt.isOpen());
        }
    }

    @Test
    @DisplayName("a frame larger than MAX_MESSAGE_BYTES closes the socket with 1009")
    void messageSize() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_MESSAGE_BYTES", "512"));
             WsTestClient client = authenticated(relay, OWNER_TOKEN)) {
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + "x".repeat(600) + "\"}");
            assertEquals(CloseCode.MESSAGE_TOO_BIG.code(), client.awaitClose());
        }
    }

    @Test
    @DisplayName("subscriptions beyond MAX_SUBSCRIPTIONS_PER_CONNECTION are refused with an error naming the limit")
    void subscriptionsPerConnection() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_SUBSCRIPTIONS_PER_CONNECTION", "2"));
             WsTestClient client = authenticated(relay, OWNER_TOKEN)) {
            for (String id : List.of("bulk_0", "bulk_1")) {
                client.subscribe(id);
            }
            client.send("{\"type\":\"subscribe\",\"serverId\":\"bulk_2\"}");
            assertEquals("{\"type\":\"error\",\"error\":\"Too many subscriptions on this connection (limit 2)\","
                    + "\"serverId\":\"bulk_2\"}", client.next());
            client.send("{\"type\":\"subscribe\",\"serverId\":\"bulk_1\"}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"bulk_1\"}", client.next(), "re-subscribing is fine");
            client.send("{\"type\":\"unsubscribe\",\"serverId\":\"bulk_0\"}");
            client.next();
            client.send("{\"type\":\"subscribe\",\"serverId\":\"bulk_2\"}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"bulk_2\"}", client.next(), "room again after unsubscribe");
        }
    }

    @Test
    @DisplayName("a socket sending faster than RATE_LIMIT_PER_SECOND beyond its burst gets an error and 4008")
    void messageRate() throws Exception {
        try (RelayApp relay = relay(Map.of("RATE_LIMIT_PER_SECOND", "5", "RATE_LIMIT_BURST", "10"));
             WsTestClient flooder = WsTestClient.connect(relay.port());
             WsTestClient calm = authenticated(relay, OWNER_TOKEN)) {
            for (int i = 0; i < 40; i++) {
                flooder.send("{\"type\":\"ping\"}");
            }
            assertEquals(CloseCode.RATE_LIMITED.code(), flooder.awaitClose());
            List<String> replies = flooder.takeReceived();
            assertTrue(replies.size() <= 11, "at most the burst was answered: " + replies.size());
            assertEquals("{\"type\":\"error\",\"error\":\"Rate limit exceeded: slow down\"}", replies.getLast());
            calm.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", calm.next());
        }
    }

    @Test
    @DisplayName("after MAX_AUTH_FAILURES_PER_CONNECTION bad tokens the socket is closed with 4029")
    void authFailuresPerConnection() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_AUTH_FAILURES_PER_CONNECTION", "3"));
             WsTestClient guesser = WsTestClient.connect(relay.port())) {
            for (int i = 0; i < 3; i++) {
                guesser.send("{\"type\":\"auth\",\"token\":\"guess-" + i + "\"}");
                assertEquals("{\"type\":\"auth_error\",\"error\":\"Invalid or expired session\"}", guesser.next());
            }
            assertEquals(CloseCode.TOO_MANY_AUTH_FAILURES.code(), guesser.awaitClose());
        }
    }

    @Test
    @DisplayName("after MAX_AUTH_FAILURES_PER_ADDRESS bad tokens across sockets, the address is refused even a good token")
    void authFailuresPerAddress() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_AUTH_FAILURES_PER_ADDRESS", "4", "MAX_AUTH_FAILURES_PER_CONNECTION", "2"))) {
            for (int socket = 0; socket < 2; socket++) {
                try (WsTestClient guesser = WsTestClient.connect(relay.port())) {
                    for (int i = 0; i < 2; i++) {
                        guesser.send("{\"type\":\"auth\",\"token\":\"guess-" + socket + "-" + i + "\"}");
                        assertTrue(guesser.next().contains("auth_error"));
                    }
                    guesser.awaitClose();
                }
            }
            try (WsTestClient again = WsTestClient.connect(relay.port())) {
                again.send("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
                assertEquals("{\"type\":\"auth_error\",\"error\":\"Too many failed authentication attempts; try again later\"}",
                        again.next());
                assertEquals(CloseCode.TOO_MANY_AUTH_FAILURES.code(), again.awaitClose());
            }
        }
    }

    @Test
    @DisplayName("beyond MAX_CONNECTIONS_PER_ADDRESS the upgrade is refused with HTTP 429, and a closed socket frees its place")
    void connectionsPerAddress() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_CONNECTIONS_PER_ADDRESS", "3"))) {
            List<WsTestClient> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(WsTestClient.connect(relay.port()));
            }
            // The relay counts a socket when it opens on its side, a moment after the client's handshake.
            org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT).until(() -> relay.connectionCount() == 3);
            ExecutionException refused = assertThrows(ExecutionException.class, () -> WsTestClient.connect(relay.port()));
            assertEquals(429, assertInstanceOf(UpgradeException.class, refused.getCause()).getResponseStatusCode());
            WsTestClient first = open.removeFirst();
            first.close();
            first.awaitClose();
            org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT).ignoreExceptions()
                    .until(() -> { open.add(WsTestClient.connect(relay.port())); return true; });
            open.forEach(WsTestClient::close);
        }
    }

    @Test
    @DisplayName("X-Forwarded-For counts as the client address only when the peer is a trusted proxy")
    void forwardedForOnlyFromTrustedProxies() throws Exception {
        try (RelayApp trusting = relay(Map.of("MAX_CONNECTIONS_PER_ADDRESS", "1", "TRUSTED_PROXIES", "127.0.0.0/8"));
             RelayApp untrusting = relay(Map.of("MAX_CONNECTIONS_PER_ADDRESS", "1"))) {
            try (WsTestClient a = WsTestClient.connect(trusting.port(), Map.of("X-Forwarded-For", "203.0.113.1"));
                 WsTestClient b = WsTestClient.connect(trusting.port(), Map.of("X-Forwarded-For", "203.0.113.2"))) {
                assertTrue(a.isOpen() && b.isOpen(), "two clients behind the proxy are two addresses");
                org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT).until(() -> trusting.connectionCount() == 2);
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> WsTestClient.connect(trusting.port(), Map.of("X-Forwarded-For", "198.51.100.9, 203.0.113.1")));
                assertEquals(429, ((UpgradeException) refused.getCause()).getResponseStatusCode(),
                        "the right-most untrusted hop counts, not what the client put in front");
            }
            try (WsTestClient a = WsTestClient.connect(untrusting.port(), Map.of("X-Forwarded-For", "203.0.113.1"))) {
                org.awaitility.Awaitility.await().atMost(WsTestClient.WAIT).until(() -> untrusting.connectionCount() == 1);
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> WsTestClient.connect(untrusting.port(), Map.of("X-Forwarded-For", "203.0.113.2")));
                assertEquals(429, ((UpgradeException) refused.getCause()).getResponseStatusCode(),
                        "a spoofed header from an untrusted peer changes nothing");
            }
        }
    }

    @Test
    @DisplayName("a user's sockets beyond MAX_CONNECTIONS_PER_USER get auth_error and 4009")
    void connectionsPerUser() throws Exception {
        try (RelayApp relay = relay(Map.of("MAX_CONNECTIONS_PER_USER", "2"));
             WsTestClient one = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
             WsTestClient two = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
             WsTestClient three = WsTestClient.connect(relay.port());
             WsTestClient otherUser = authenticated(relay, MEMBER_TOKEN)) {
            assertTrue(one.next().contains("auth_success"));
            assertTrue(two.next().contains("auth_success"));
            three.send("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
            assertEquals("{\"type\":\"auth_error\",\"error\":\"Too many connections for this user\"}", three.next());
            assertEquals(CloseCode.TOO_MANY_CONNECTIONS.code(), three.awaitClose());
            assertTrue(otherUser.isOpen());
        }
    }
}
