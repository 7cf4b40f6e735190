package io.stellarrelay.demo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's stand-ins for the panel, over HTTP: the server list before login, and "crash now". */
class DemoRoutesIT {
    private static DemoStack stack;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        stack = DemoStack.start(new DemoStack.Options("127.0.0.1", 0, Duration.ofMillis(500), null));
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
        if (stack != null) stack.close();
    }

    private static HttpResponse<String> send(String method, String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + path))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody());
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Logs in as a demo user and returns the session cookie the page would hold. */
    private static String logIn(String userId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.port() + "/demo/login"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    }

    private static String status(String serverId) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + stack.services().postgres().port() + "/panel";
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             PreparedStatement st = c.prepareStatement("SELECT status::text FROM servers WHERE id = ?")) {
            st.setString(1, serverId);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }

    @Test
    @DisplayName("before anyone logs in the server list is an empty answer, not an error")
    void serverListBeforeLoginIsEmpty() throws Exception {
        HttpResponse<String> response = send("GET", "/demo/servers", null);
        assertEquals(200, response.statusCode());
        assertEquals("{\"servers\":[]}", response.body());
    }

    @Test
    @DisplayName("crash now needs a login, and crashes only a server the user can see")
    void crashNowOnlyForVisibleServers() throws Exception {
        assertEquals(401, send("POST", "/demo/servers/srv_demo_03/crash", null).statusCode());
        assertEquals(404, send("POST", "/demo/servers/srv_demo_03/crash", logIn("usr_demo_stranger")).statusCode());
        assertEquals(404, send("POST", "/demo/servers/srv_demo_03/crash", logIn("usr_demo_owner_1")).statusCode(),
                "owner 1 does not see owner 2's server");
        assertEquals("RUNNING", status("srv_demo_03"));

        assertEquals(204, send("POST", "/demo/servers/srv_demo_03/crash", logIn("usr_demo_owner_2")).statusCode());
        assertEquals("ERROR", status("srv_demo_03"));
    }
}
