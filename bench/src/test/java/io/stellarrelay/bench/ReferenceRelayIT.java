package io.stellarrelay.bench;

import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Each reference relay of bench/reference, started as the bench starts it (npm ci on first use, the
 * same environment variables as the relay), against the test PostgreSQL and Redis: it answers auth,
 * access checks, subscribe/unsubscribe and ping with the relay's exact frames, and forwards what is
 * published on a server channel verbatim. Needs node and npm (CI installs them); never skipped.
 */
class ReferenceRelayIT {
    private static final ProtocolCodec CODEC = new ProtocolCodec();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ScratchServices services = ScratchServices.panel();

    @ParameterizedTest
    @EnumSource(value = Target.class, names = {"NODE", "BUN"})
    void speaksTheRelaysProtocolSubsetAndForwardsVerbatim(Target target) throws Exception {
        ReferenceRelays references = ReferenceRelays.ofProject();
        Path log = Files.createTempFile("reference-relay-" + target.wire(), ".log");
        references.install("npm", log, Duration.ofMinutes(3));
        Map<String, String> env = Map.of("DATABASE_URL", services.db().url(), "REDIS_URL", services.redis().url(),
                "REDIS_PREFIX", services.redis().prefix(), "HOST", "127.0.0.1", "PORT", "0");
        try (RelayProcess relay = RelayProcess.startCommand(references.command(target, "node"), references.dir(), env,
                log, Duration.ofSeconds(30), target.wire())) {
            String channel = new RedisNames(services.redis().prefix()).serverChannel(PanelFixtures.SERVER);

            Client member = Client.open(relay.webSocketUri());
            member.send("{\"type\":\"subscribe\",\"serverId\":\"" + PanelFixtures.SERVER + "\"}");
            member.expect(new ServerMessage.Error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            for (String refused : new String[] {PanelFixtures.EXPIRED_TOKEN, PanelFixtures.BANNED_TOKEN, "no-such-token"}) {
                member.send("{\"type\":\"auth\",\"token\":\"" + refused + "\"}");
                member.expect(new ServerMessage.AuthError(ErrorMessages.INVALID_SESSION));
            }
            member.send("{\"type\":\"auth\",\"token\":\"" + PanelFixtures.MEMBER_TOKEN + "\"}");
            member.expect(new ServerMessage.AuthSuccess(PanelFixtures.MEMBER));
            for (String server : new String[] {PanelFixtures.OTHER_SERVER, PanelFixtures.MISSING_SERVER}) {
                member.send("{\"type\":\"subscribe\",\"serverId\":\"" + server + "\"}");
                member.expect(new ServerMessage.Error(ErrorMessages.FORBIDDEN));
            }
            member.send("{\"type\":\"subscribe\",\"serverId\":\"" + PanelFixtures.SERVER + "\"}");
            member.expect(new ServerMessage.Subscribed(PanelFixtures.SERVER));
            member.send("{\"type\":\"ping\"}");
            member.expect(new ServerMessage.Pong());
            member.send("not json");
            member.expect(new ServerMessage.Error(ErrorMessages.INVALID_JSON));
            member.send("{\"type\":\"nope\"}");
            member.expect(new ServerMessage.Error(ErrorMessages.UNKNOWN_TYPE_PREFIX + "\"nope\""));
            member.sendBinary(new byte[] {1, 2});
            member.expect(new ServerMessage.Error(ErrorMessages.BINARY_NOT_SUPPORTED));

            // Owner and admin may watch it too; the three share one Redis subscription.
            Client owner = Client.authenticated(relay.webSocketUri(), PanelFixtures.OWNER_TOKEN, PanelFixtures.OWNER);
            Client admin = Client.authenticated(relay.webSocketUri(), PanelFixtures.ADMIN_TOKEN, PanelFixtures.ADMIN);
            for (Client c : new Client[] {owner, admin}) {
                c.send("{\"type\":\"subscribe\",\"serverId\":\"" + PanelFixtures.SERVER + "\"}");
                c.expect(new ServerMessage.Subscribed(PanelFixtures.SERVER));
            }
            await().atMost(WAIT).until(() -> services.redis().subscribers(channel) == 1);
            assertEquals(3, relay.connectionCount());

            String frame = "{\"type\":\"server:status\",\"serverId\":\"" + PanelFixtures.SERVER
                    + "\",\"data\":{\"status\":\"running\"},\"note\":\"d\u00e9j\u00e0 vu\"}";
            services.redis().client().publish(channel, frame);
            for (Client c : new Client[] {member, owner, admin}) {
                assertEquals(frame, c.next());
            }

            member.send("{\"type\":\"unsubscribe\",\"serverId\":\"" + PanelFixtures.SERVER + "\"}");
            member.expect(new ServerMessage.Unsubscribed(PanelFixtures.SERVER));
            owner.close();
            admin.close();
            // The last socket gone, the reference leaves the channel.
            await().atMost(WAIT).until(() -> services.redis().subscribers(channel) == 0);
            member.close();
        }
    }

    /** A JDK WebSocket client that queues every text message it receives. */
    private static final class Client implements WebSocket.Listener {
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Client open(URI uri) throws Exception {
            Client c = new Client();
            c.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT)
                    .buildAsync(uri, c).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return c;
        }

        static Client authenticated(URI uri, String token, String userId) throws Exception {
            Client c = open(uri);
            c.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            c.expect(new ServerMessage.AuthSuccess(userId));
            return c;
        }

        void send(String text) throws Exception {
            socket.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        void sendBinary(byte[] bytes) throws Exception {
            socket.sendBinary(java.nio.ByteBuffer.wrap(bytes), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        String next() throws InterruptedException {
            String m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(m, "no frame within " + WAIT);
            return m;
        }

        /** The next frame is exactly what the relay's codec writes for {@code message}. */
        void expect(ServerMessage message) throws InterruptedException {
            assertEquals(CODEC.encode(message), next());
        }

        void close() throws Exception {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
