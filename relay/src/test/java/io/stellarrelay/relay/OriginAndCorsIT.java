package io.stellarrelay.relay;

import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cross-site WebSocket hijacking and CORS: only allowed origins may use the session cookie. */
class OriginAndCorsIT {
    private static final String PANEL = "https://panel.example.com";
    private static final String EVIL = "https://evil.example.net";
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp sameOriginRelay;
    private static RelayApp listedRelay;

    @BeforeAll
    static void start() {
        sameOriginRelay = RelayFixture.startRelay(services.db(), services.redis(), Map.of());
        listedRelay = RelayFixture.startRelay(services.db(), services.redis(), Map.of("ALLOWED_ORIGINS", PANEL + ", http://localhost:3000"));
    }

    @AfterAll
    static void stop() {
        if (sameOriginRelay != null) sameOriginRelay.close();
        if (listedRelay != null) listedRelay.close();
    }

    private static WsTestClient connect(RelayApp relay, String origin) throws Exception {
        return WsTestClient.connect(relay.port(), Map.of("Cookie", cookieHeader(OWNER_TOKEN), "Origin", origin));
    }

    private static HttpResponse<String> request(RelayApp relay, String method, String origin) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + "/api/ws/token"))
                    .timeout(Duration.ofSeconds(5)).header("Cookie", cookieHeader(OWNER_TOKEN)).header("Origin", origin)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (method.equals("OPTIONS")) {
                b.header("Access-Control-Request-Method", "GET");
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    @DisplayName("by default a page of the relay's own origin authenticates with the cookie, another site's does not")
    void defaultIsSameOriginOnly() throws Exception {
        try (WsTestClient own = connect(sameOriginRelay, "http://127.0.0.1:" + sameOriginRelay.port())) {
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_owner\"}", own.next());
        }
        try (WsTestClient hijack = connect(sameOriginRelay, EVIL)) {
            assertEquals(List.of(), hijack.drainUntilPong(), "the cookie is ignored for a foreign origin");
            hijack.send("{\"type\":\"subscribe\",\"serverId\":\"" + PanelFixtures.SERVER + "\"}");
            assertEquals("{\"type\":\"error\",\"error\":\"Authentication required to subscribe\"}", hijack.next());
        }
    }

    @Test
    @DisplayName("with ALLOWED_ORIGINS set, listed origins authenticate with the cookie and others do not")
    void listedOriginsOnly() throws Exception {
        try (WsTestClient panel = connect(listedRelay, PANEL)) {
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_owner\"}", panel.next());
        }
        try (WsTestClient dev = connect(listedRelay, "http://localhost:3000")) {
            assertTrue(dev.next().contains("auth_success"));
        }
        for (String origin : List.of(EVIL, "null", "https://panel.example.com.evil.net", "http://panel.example.com")) {
            try (WsTestClient other = connect(listedRelay, origin)) {
                other.assertNotAuthenticated(origin);
            }
        }
    }

    @Test
    @DisplayName("token authentication keeps working from any origin and for clients that send none")
    void tokenAuthIsNotOriginBound() throws Exception {
        for (Map<String, String> headers : List.of(Map.of("Origin", EVIL), Map.<String, String>of())) {
            try (WsTestClient client = WsTestClient.connect(listedRelay.port(), headers)) {
                client.send("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
                assertEquals("{\"type\":\"auth_success\",\"userId\":\"usr_owner\"}", client.next());
            }
        }
    }

    @Test
    @DisplayName("GET /api/ws/token answers an allowed origin with credentialed CORS and refuses others with 403")
    void tokenEndpointCors() throws Exception {
        HttpResponse<String> allowed = request(listedRelay, "GET", PANEL);
        assertEquals(200, allowed.statusCode());
        assertEquals(PANEL, allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertEquals("true", allowed.headers().firstValue("Access-Control-Allow-Credentials").orElse(""));
        assertTrue(allowed.headers().allValues("Vary").toString().contains("Origin"));

        HttpResponse<String> refused = request(listedRelay, "GET", EVIL);
        assertEquals(403, refused.statusCode());
        assertEquals("{\"error\":\"Origin not allowed\"}", refused.body());
        assertTrue(refused.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }

    @Test
    @DisplayName("the CORS preflight is answered for allowed origins only")
    void preflight() throws Exception {
        HttpResponse<String> allowed = request(listedRelay, "OPTIONS", PANEL);
        assertEquals(204, allowed.statusCode());
        assertEquals(PANEL, allowed.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        assertEquals("GET", allowed.headers().firstValue("Access-Control-Allow-Methods").orElse(""));
        assertEquals(403, request(listedRelay, "OPTIONS", EVIL).statusCode());
    }
}
