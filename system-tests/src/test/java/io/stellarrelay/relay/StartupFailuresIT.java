package io.stellarrelay.relay;

import io.stellarrelay.poller.PollerMain;
import io.stellarrelay.relay.support.JavaProcess;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the relay and the poller, started as processes the way they are deployed, report what stops them
 * at start: a port in use is one line naming the variable and the address, and exit status 2; an
 * unreachable Redis or PostgreSQL does not stop them (they retry) and is reported once per outage, never
 * with a stack trace.
 */
class StartupFailuresIT {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutRedis().withoutFixtures();

    @AfterAll
    static void dropDatabase() {
    }

    @Test
    @DisplayName("a relay whose PORT is taken prints one line naming PORT and the address, and exits with 2")
    void relayPortInUse() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            Map<String, String> env = RelayFixture.environment(services.db(), "redis://127.0.0.1:6379", "startup-it",
                    Map.of("PORT", Integer.toString(port)));
            try (JavaProcess relay = JavaProcess.startRelay("startup-failures-relay-port", env)) {
                assertSingleLineExit(relay, "stellar-relay: PORT=" + port + ": cannot listen on 127.0.0.1:" + port
                        + ": address already in use");
            }
        }
    }

    @Test
    @DisplayName("a poller whose HEALTH_PORT is taken prints one line naming HEALTH_PORT and the address, and exits with 2")
    void pollerHealthPortInUse() throws Exception {
        try (ServerSocket taken = listening()) {
            int port = taken.getLocalPort();
            Map<String, String> env = RelayFixture.environment(services.db(), "redis://127.0.0.1:6379", "startup-it",
                    Map.of("HEALTH_HOST", "127.0.0.1", "HEALTH_PORT", Integer.toString(port)));
            try (JavaProcess poller = JavaProcess.startMain("startup-failures-poller-port", PollerMain.class, env)) {
                assertSingleLineExit(poller, "stellar-poller: HEALTH_PORT=" + port + ": cannot listen on 127.0.0.1:"
                        + port + ": address already in use");
            }
        }
    }

    @Test
    @DisplayName("a relay started with Redis and PostgreSQL unreachable keeps running, is live but not ready, and "
            + "logs the Redis outage once per connection, without a stack trace, however often it retries")
    void relayWithoutRedisOrDatabase() throws Exception {
        int port = JavaProcess.freePort();
        String redis = "127.0.0.1:" + JavaProcess.freePort();
        Map<String, String> env = RelayFixture.environment(services.db(), "redis://" + redis,
                "startup-it", Map.of("PORT", Integer.toString(port),
                        "DATABASE_URL", "postgresql://postgres@127.0.0.1:" + JavaProcess.freePort() + "/postgres"));
        try (JavaProcess relay = JavaProcess.startRelay("startup-failures-relay-outage", env)) {
            relay.awaitHttpOk(port, "/health/live", EXIT_WAIT);
            assertEquals(503, RelayFixture.get(port, "/health/ready", null).statusCode());
            // The reconnect backoff is capped at 2 s: over 6 s each connection retries several times.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                    .until(() -> relay.isAlive() && outageLines(relay, redis).size() <= 2);
            List<String> lines = outageLines(relay, redis);
            assertEquals(2, lines.size(), "one line for the pub/sub connection, one for the watch set: " + lines);
            assertFalse(relay.output().contains("\tat "), "no stack trace: " + relay.output());
        }
    }

    @Test
    @DisplayName("a poller started with Redis unreachable keeps running and logs one line for the outage")
    void pollerWithoutRedis() throws Exception {
        int port = JavaProcess.freePort();
        String redis = "127.0.0.1:" + JavaProcess.freePort();
        Map<String, String> env = RelayFixture.environment(services.db(), "redis://" + redis,
                "startup-it", Map.of("HEALTH_HOST", "127.0.0.1", "HEALTH_PORT", Integer.toString(port),
                        "POLL_INTERVAL_MS", "200"));
        try (JavaProcess poller = JavaProcess.startMain("startup-failures-poller-outage", PollerMain.class, env)) {
            poller.awaitHttpOk(port, "/health/live", EXIT_WAIT);
            await().atMost(Duration.ofSeconds(10)).until(() -> !outageLines(poller, redis).isEmpty());
            // Thirty ticks and more fail meanwhile; the outage is still one line.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                    .until(() -> poller.isAlive() && outageLines(poller, redis).size() == 1);
            assertFalse(poller.output().contains("\tat "), "no stack trace: " + poller.output());
        }
    }

    private static ServerSocket listening() throws Exception {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        return socket;
    }

    /** Warnings and errors about the unreachable Redis at {@code address}. */
    private static List<String> outageLines(JavaProcess process, String address) {
        return process.output().lines()
                .filter(l -> (l.contains(" WARN ") || l.contains(" ERROR ")) && l.contains(address)).toList();
    }

    private static void assertSingleLineExit(JavaProcess process, String expected) throws Exception {
        assertTrue(process.waitFor(EXIT_WAIT), "exits by itself: " + process);
        assertEquals(2, process.exitValue(), process.output());
        List<String> lines = process.output().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(List.of(expected), lines);
    }
}
