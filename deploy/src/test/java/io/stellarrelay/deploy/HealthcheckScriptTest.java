package io.stellarrelay.deploy;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker/healthcheck.sh, the images' HEALTHCHECK, run with bash against a real HTTP server. */
class HealthcheckScriptTest {
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health/ready", exchange -> answer(exchange, 200, "{\"status\":\"ready\"}"));
        server.createContext("/health/draining", exchange -> answer(exchange, 503, "{\"status\":\"draining\"}"));
        server.start();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static int run(String... args) throws Exception {
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = Repository.path("docker/healthcheck.sh").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "healthcheck.sh finished");
            return p.exitValue();
        } finally {
            p.destroyForcibly(); // a no-op once it ended; otherwise it must not outlive the test
        }
    }

    private String port() {
        return String.valueOf(server.getAddress().getPort());
    }

    @Test
    @DisplayName("healthy when the endpoint answers 200")
    void healthyOn200() throws Exception {
        assertEquals(0, run(port(), "/health/ready"));
    }

    @Test
    @DisplayName("unhealthy when the endpoint answers 503, as a draining relay does")
    void unhealthyOn503() throws Exception {
        assertEquals(1, run(port(), "/health/draining"));
    }

    @Test
    @DisplayName("unhealthy when nothing listens on the port")
    void unhealthyWhenNothingListens() throws Exception {
        int free;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = socket.getLocalPort();
        }
        assertEquals(1, run(String.valueOf(free), "/health/ready"));
    }
}
