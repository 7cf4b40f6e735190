package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The documented protocol against one relay on a real PostgreSQL and Redis. */
class RelayProtocolIT {
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp relay;
    private static int port;

    @BeforeAll
    static void start() {
        relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of());
        port = relay.port();
    }

    @AfterAll
    static void stop() {
        if (relay != null) relay.close();
    }

    private static WsTestClient authenticatedClient(String token) throws Exception {
        WsTestClient client = WsTestClient.connect(port);
        client.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
        assertTrue(client.next().startsWith("{\"type\":\"auth_success\""));
        return client;
    }

    @Test
    @DisplayName("a valid session cookie gets auth_success as the first message without the client sending anything")
    void cookieAuthenticatesAtConnect() throws Exception {
        try (WsTestClient client = WsTestClient.connect(port, cookieHeader(OWNER_TOKEN))) {
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_owner\"}", client.next());
        }
    }

    @Test
    @DisplayName("the __Secure- cookie name that Better Auth uses over HTTPS is accepted too")
    void secureCookieNameAuthenticates() throws Exception {
        String header = SessionCookie.SECURE_NAME + "=" + RelayFixture.COOKIES.cookieValue(MEMBER_TOKEN);
        try (WsTestClient client = WsTestClient.connect(port, header)) {
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_member\"}", client.next());
        }
    }

    @Test
    @DisplayName("a cookie with a forged signature is no session: no auth_success, and subscribing is refused")
    void forgedCookieIsNotASession() throws Exception {
        String forged = SessionCookie.NAME + "=" + OWNER_TOKEN + "." + "A".repeat(43) + "=";
        try (WsTestClient client = WsTestClient.connect(port, forged)) {
            client.assertNotAuthenticated("forged cookie");
        }
    }

    @Test
    @DisplayName("a cookie signed with another secret is refused by the token endpoint")
    void cookieSignedWithAnotherSecretIsRefused() throws Exception {
        SessionCookie other = new SessionCookie(new io.stellarrelay.config.Secret("some-other-secret"));
        HttpResponse<String> response = RelayFixture.get(port, "/api/ws/token",
                SessionCookie.NAME + "=" + other.cookieValue(OWNER_TOKEN));
        assertEquals(401, response.statusCode());
        assertEquals("{\"error\":\"Not authenticated\"}", response.body());
    }

    @Test
    @DisplayName("GET /api/ws/token trades a cookie for the raw token, which then authenticates a socket")
    void tokenPathAuthenticates() throws Exception {
        HttpResponse<String> response = RelayFixture.get(port, "/api/ws/token", cookieHeader(MEMBER_TOKEN));
        assertEquals(200, response.statusCode());
        assertEquals("{\"token\":\"" + MEMBER_TOKEN + "\",\"userId\":\"usr_member\"}", response.body());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));

        try (WsTestClient client = WsTestClient.connect(port)) {
            client.send("{\"type\":\"auth\",\"token\":\"" + MEMBER_TOKEN + "\"}");
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_member\"}", client.next());
        }
    }

    @Test
    @DisplayName("GET /api/ws/token without a cookie answers 401 Not authenticated")
    void tokenEndpointWithoutCookie() throws Exception {
        HttpResponse<String> response = RelayFixture.get(port, "/api/ws/token", null);
        assertEquals(401, response.statusCode());
        assertEquals("{\"error\":\"Not authenticated\"}", response.body());
    }

    @ParameterizedTest(name = "token {0} is refused")
    @ValueSource(strings = {EXPIRED_TOKEN, BANNED_TOKEN, "no-such-token", "", "tok\\u0000nul"})
    @DisplayName("expired sessions, banned users and unknown tokens get the documented auth_error")
    void invalidTokensAreRefused(String token) throws Exception {
        try (WsTestClient client = WsTestClient.connect(port)) {
            client.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            assertEquals("{\"type\":\"auth_error\",\"error\":\"Invalid or expired session\"}", client.next());
        }
        assertEquals(401, RelayFixture.get(port, "/api/ws/token", cookieHeader(token)).statusCode());
    }

    @Test
    @DisplayName("an expired or banned session cookie does not authenticate at connect")
    void expiredAndBannedCookiesDoNotAuthenticate() throws Exception {
        for (String token : new String[] {EXPIRED_TOKEN, BANNED_TOKEN}) {
            try (WsTestClient client = WsTestClient.connect(port, cookieHeader(token))) {
                client.assertNotAuthenticated(token);
            }
        }
    }

    @ParameterizedTest(name = "{0} subscribing to {1}: allowed={2}")
    @CsvSource({
            "tok-admin-0123456789,    srv_abc123,         true",
            "tok-admin-0123456789,    srv_other,          true",
            "tok-admin-0123456789,    srv_does_not_exist, false",
            "tok-owner-0123456789,    srv_abc123,         true",
            "tok-owner-0123456789,    srv_other,          false",
            "tok-member-0123456789,   srv_abc123,         true",
            "tok-member-0123456789,   srv_other,          false",
            "tok-stranger-0123456789, srv_abc123,         false",
            "tok-stranger-0123456789, srv_does_not_exist, false",
    })
    @DisplayName("access matrix: admins, owners and members may subscribe; others and unknown servers get Forbidden")
    void accessMatrix(String token, String serverId, boolean allowed) throws Exception {
        try (WsTestClient client = authenticatedClient(token)) {
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"}");
            String expected = allowed
                    ? "{\"type\":\"subscribed\",\"serverId\":\"" + serverId + "\"}"
                    : "{\"type\":\"error\",\"error\":\"Forbidden: You don't have access to this server\"}";
            assertEquals(expected, client.next());
        }
    }

    @Test
    @DisplayName("subscribing before authentication gets the documented error")
    void subscribeBeforeAuth() throws Exception {
        try (WsTestClient client = WsTestClient.connect(port)) {
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"error\",\"error\":\"Authentication required to subscribe\"}", client.next());
        }
    }

    @Test
    @DisplayName("ping gets pong and unsubscribe gets unsubscribed")
    void pingAndUnsubscribe() throws Exception {
        try (WsTestClient client = authenticatedClient(OWNER_TOKEN)) {
            client.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", client.next());
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"srv_abc123\"}", client.next());
            client.send("{\"type\":\"unsubscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"srv_abc123\"}", client.next());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json at all                              | Invalid JSON",
            "{\"type\":\"ping\"} trailing                 | Invalid JSON",
            "[1,2,3]                                      | Message must be a JSON object",
            "{\"serverId\":\"x\"}                         | Message needs a string \\\"type\\\"",
            "{\"type\":42}                                | Message needs a string \\\"type\\\"",
            "{\"type\":\"teleport\"}                      | Unknown message type: \\\"teleport\\\"",
            "{\"type\":\"subscribe\"}                     | \\\"serverId\\\" must be a non-empty string",
            "{\"type\":\"subscribe\",\"serverId\":7}      | \\\"serverId\\\" must be a non-empty string",
            "{\"type\":\"subscribe\",\"serverId\":null}   | \\\"serverId\\\" must be a non-empty string",
            "{\"type\":\"unsubscribe\",\"serverId\":\"\"} | \\\"serverId\\\" must be a non-empty string",
            "{\"type\":\"subscribe\",\"serverId\":\"a\\u0000b\"} | \\\"serverId\\\" contains control characters",
    })
    @DisplayName("bad input gets a clear error and the connection stays usable")
    void badInputGetsAnErrorAndTheSocketStaysUsable(String frame, String error) throws Exception {
        try (WsTestClient client = authenticatedClient(OWNER_TOKEN)) {
            client.send(frame);
            assertEquals("{\"type\":\"error\",\"error\":\"" + error + "\"}", client.next());
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"srv_abc123\"}", client.next());
        }
    }

    @Test
    @DisplayName("a binary frame gets an error and the connection stays usable")
    void binaryFrameGetsAnError() throws Exception {
        try (WsTestClient client = authenticatedClient(OWNER_TOKEN)) {
            client.sendBinary(new byte[] {1, 2, 3});
            JsonNode error = client.nextJson();
            assertEquals("error", error.get("type").asText());
            assertTrue(error.get("error").asText().startsWith("Binary frames are not supported"));
            client.send("{\"type\":\"ping\"}");
            assertEquals("{\"type\":\"pong\"}", client.next());
        }
    }

    @Test
    @DisplayName("a frame published for a server reaches its watchers verbatim and never a socket that was refused")
    void deliveriesReachOnlyAllowedSockets() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        try (WsTestClient owner = authenticatedClient(OWNER_TOKEN);
             WsTestClient stranger = authenticatedClient(STRANGER_TOKEN)) {
            owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            owner.next();
            stranger.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertTrue(stranger.next().contains("Forbidden"));
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(SERVER), 1);

            String frame = "{\"type\":\"server:sync\",\"serverId\":\"srv_abc123\",\"data\":{\"name\":\"é ✓\"}}";
            services.redis().client().publish(names.serverChannel(SERVER), frame);
            assertEquals(frame, owner.awaitSync(SERVER));
            assertEquals(java.util.List.of(), stranger.drainUntilPong());
        }
    }

    @Test
    @DisplayName("permessage-deflate is not negotiated, so frames are never compressed per socket")
    void compressionIsNotNegotiated() throws Exception {
        // A raw upgrade request, offering the extension the way browsers do.
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000); // a relay that never answers fails the test instead of hanging it
            String request = "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            String status = reader.readLine();
            assertTrue(status.contains("101"), status);
            String line;
            while ((line = reader.readLine()) != null && !line.isEmpty()) {
                assertTrue(!line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-extensions"), line);
            }
        }
    }
}
