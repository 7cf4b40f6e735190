package io.stellarrelay.relay.ws;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.SessionState;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.console.ConsoleOptIn;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.metrics.RelayMetrics;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A client's messages through rate limit, decoding and authentication, on a socket in memory. */
@DisplayName("ClientMessages")
class ClientMessagesTest {
    private static final SessionStore SESSIONS = new SessionStore() {
        @Override
        public Optional<AuthenticatedUser> findUser(String token) {
            return "good".equals(token) ? Optional.of(new AuthenticatedUser("u1", false)) : Optional.empty();
        }

        @Override
        public Map<String, SessionState> states(Collection<String> tokens) {
            return Map.of();
        }
    };

    private final RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry());
    private final Clients clients = new Clients(10, 1, Duration.ofSeconds(10));
    private final ProtocolCodec codec = new ProtocolCodec();
    private final ClientMessages messages = new ClientMessages(codec, clients,
            new Authentication(SESSIONS, clients, 100, 2, metrics), null);
    private final ClientConnection.Shared shared = new ClientConnection.Shared(messages, codec, new Hub(), new ConsoleOptIn(new Hub()), metrics);

    private ClientConnection open(MemorySocket socket, int perSecond, int burst) {
        ClientConnection client = new ClientConnection(shared, "127.0.0.1", null,
                new TokenBucket(perSecond, burst, System.nanoTime()));
        client.onOpen(socket);
        return client;
    }

    @Test
    @DisplayName("answers auth and ping, and counts the authenticated client")
    void authenticatesAndPings() {
        MemorySocket socket = new MemorySocket();
        ClientConnection client = open(socket, 100, 100);
        client.onText("{\"type\":\"auth\",\"token\":\"good\"}".getBytes());
        client.onText("{\"type\":\"ping\"}".getBytes());
        assertEquals(List.of("{\"type\":\"auth_success\",\"userId\":\"u1\"}", "{\"type\":\"pong\"}"), socket.sent);
        assertEquals(1, clients.authenticatedCount());
        client.onClosed(1000);
        assertEquals(0, clients.count());
        assertEquals(0, clients.authenticatedCount(), "the user's slot is given back");
    }

    @Test
    @DisplayName("closes with 4029 after too many bad tokens, and with 4009 when the user has no slot left")
    void authLimits() {
        MemorySocket guesser = new MemorySocket();
        ClientConnection g = open(guesser, 100, 100);
        g.onText("{\"type\":\"auth\",\"token\":\"bad\"}".getBytes());
        g.onText("{\"type\":\"auth\",\"token\":\"bad\"}".getBytes());
        assertEquals(CloseCode.TOO_MANY_AUTH_FAILURES.code(), guesser.closedWith);

        open(new MemorySocket(), 100, 100).onText("{\"type\":\"auth\",\"token\":\"good\"}".getBytes());
        MemorySocket second = new MemorySocket();
        open(second, 100, 100).onText("{\"type\":\"auth\",\"token\":\"good\"}".getBytes());
        assertEquals(CloseCode.TOO_MANY_CONNECTIONS.code(), second.closedWith, "one connection per user here");
    }

    @Test
    @DisplayName("answers within the burst, then says why and closes with 4008, and handles nothing after")
    void rateLimit() {
        MemorySocket socket = new MemorySocket();
        ClientConnection client = open(socket, 1, 3);
        for (int i = 0; i < 6; i++) {
            client.onText("{\"type\":\"ping\"}".getBytes());
        }
        assertEquals(List.of("{\"type\":\"pong\"}", "{\"type\":\"pong\"}", "{\"type\":\"pong\"}",
                "{\"type\":\"error\",\"error\":\"Rate limit exceeded: slow down\"}"), socket.sent);
        assertEquals(CloseCode.RATE_LIMITED.code(), socket.closedWith);
    }

    @Test
    @DisplayName("refuses a subscribe before authentication without asking anyone")
    void subscribeNeedsAuth() {
        MemorySocket socket = new MemorySocket();
        ClientMessages withSubscribing = new ClientMessages(codec, clients,
                new Authentication(SESSIONS, clients, 100, 2, metrics), new Subscribing(null, null, 10));
        ClientConnection client = new ClientConnection(
                new ClientConnection.Shared(withSubscribing, codec, new Hub(), new ConsoleOptIn(new Hub()), metrics), "127.0.0.1", null,
                new TokenBucket(100, 100, System.nanoTime()));
        client.onOpen(socket);
        client.onText("{\"type\":\"subscribe\",\"serverId\":\"s1\"}".getBytes());
        assertEquals(List.of("{\"type\":\"error\",\"error\":\"Authentication required to subscribe\"}"), socket.sent);
    }
}
