package io.stellarrelay.relay;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.StderrCapture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.Protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.stellarrelay.testing.PanelFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live events end to end: status and stats published by a backend reach every subscriber of the
 * server, console output only sockets that opted in and may read it, and the relay holds a console
 * channel only while such a socket exists. The database is shared by the class; each test gets a fresh
 * relay (so no cached grant outlives a permission change) and the member's permissions reset.
 */
class LiveEventsIT {
    static final String CONSOLE_FORBIDDEN =
            "{\"type\":\"error\",\"error\":\"Forbidden: You don't have console access to this server\",\"serverId\":\"srv_abc123\"}";

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RedisNames names;
    private RelayApp relay;

    @BeforeAll
    static void redisNames() {
        names = new RedisNames(services.redis().prefix());
    }

    @BeforeEach
    void startRelay() {
        services.db().execute("UPDATE server_members SET permissions = '{console.read}' WHERE \"userId\" = '" + MEMBER + "'");
        // Console lines come the deprecated way here (PUBLISH), which has no history (ConsoleStreamsIT has).
        relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of("REVALIDATE_INTERVAL_MS", "3600000", "CONSOLE_BATCH_MS", "20",
                "CONSOLE_HISTORY_LINES", "0"));
    }

    @AfterEach
    void stopRelay() {
        relay.close();
    }

    private WsTestClient authenticated(String token) throws Exception {
        WsTestClient client = WsTestClient.connect(relay.port());
        client.authenticate(token);
        return client;
    }

    /** Subscribes and takes the {@code subscribed} reply (and the relay's latest sync, if it had one: none here). */
    private static void subscribe(WsTestClient client, String serverId, String eventsJson) throws Exception {
        client.send("{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"" + (eventsJson == null ? "" : ",\"events\":" + eventsJson) + "}");
        assertEquals("{\"type\":\"subscribed\",\"serverId\":\"" + serverId + "\"}", client.next());
    }

    private WsTestClient watching(String token, String serverId, String eventsJson) throws Exception {
        WsTestClient client = authenticated(token);
        subscribe(client, serverId, eventsJson);
        return client;
    }

    static String status(String serverId, String status) {
        return "{\"type\":\"server:status\",\"serverId\":\"" + serverId + "\",\"data\":{\"status\":\"" + status + "\"}}";
    }

    static String consoleFrame(String serverId, String... lines) {
        return "{\"type\":\"server:console\",\"serverId\":\"" + serverId + "\",\"data\":{\"lines\":[\""
                + String.join("\",\"", lines) + "\"]}}";
    }

    private void publishServer(String serverId, String frame) {
        services.redis().client().publish(names.serverChannel(serverId), frame);
    }

    private void publishConsole(String serverId, String... lines) {
        services.redis().client().publish(names.consoleChannel(serverId), "{\"lines\":[\"" + String.join("\",\"", lines) + "\"]}");
    }

    private long consoleSubscribers(String serverId) {
        return services.redis().subscribers(names.consoleChannel(serverId));
    }

    /** Console channels of this test's prefix that any connection is subscribed to (PUBSUB CHANNELS). */
    private List<?> consoleChannels() {
        return (List<?>) services.redis().client().sendCommand(Protocol.Command.PUBSUB, "CHANNELS",
                services.redis().prefix() + ":console:*");
    }

    @Test
    @DisplayName("server:status and server:stats reach every subscriber of the server verbatim, and no one else")
    void statusAndStatsReachEverySubscriber() throws Exception {
        try (WsTestClient owner = watching(OWNER_TOKEN, SERVER, null);
             WsTestClient member = watching(MEMBER_TOKEN, SERVER, null);
             WsTestClient admin = watching(ADMIN_TOKEN, OTHER_SERVER, null);
             WsTestClient stranger = authenticated(STRANGER_TOKEN)) {
            stranger.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertTrue(stranger.next().contains("Forbidden"));
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(SERVER), 1);

            String status = status(SERVER, "stopping");
            String stats = "{\"type\":\"server:stats\",\"serverId\":\"srv_abc123\",\"data\":{\"cpu\":37.5,\"memory\":812,"
                    + "\"disk\":3120,\"network\":{\"rx\":123456,\"tx\":654321}}}";
            publishServer(SERVER, status);
            publishServer(SERVER, stats);
            for (WsTestClient watcher : List.of(owner, member)) {
                assertEquals(status, watcher.next());
                assertEquals(stats, watcher.next());
            }
            assertEquals(List.of(), admin.drainUntilPong(), "a subscriber of another server");
            assertEquals(List.of(), stranger.drainUntilPong(), "a refused socket");
        }
    }

    @ParameterizedTest(name = "{0} with permissions {1}: console {2}")
    @DisplayName("console output reaches admins, the owner and members with console.read, console.* or *, never others")
    @CsvSource(delimiter = ';', value = {
            "admin; {console.read}; allowed",
            "owner; {console.read}; allowed",
            "member; {console.read}; allowed",
            "member; {console.*}; allowed",
            "member; {*}; allowed",
            "member; {control.start,console.write}; forbidden",
            "member; {}; forbidden",
            "member; NULL; forbidden"})
    void consolePermissions(String who, String permissions, String expected) throws Exception {
        services.db().execute("UPDATE server_members SET permissions = " + (permissions.equals("NULL") ? "NULL" : "'" + permissions + "'")
                + " WHERE \"userId\" = '" + MEMBER + "'");
        String token = switch (who) {
            case "admin" -> ADMIN_TOKEN;
            case "owner" -> OWNER_TOKEN;
            default -> MEMBER_TOKEN;
        };
        try (WsTestClient client = watching(token, SERVER, "[\"console\"]");
             WsTestClient witness = watching(OWNER_TOKEN, SERVER, "[\"console\"]")) {
            if (expected.equals("forbidden")) {
                assertEquals(CONSOLE_FORBIDDEN, client.next());
            }
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            publishConsole(SERVER, "Done (3.2s)! For help, type \\\"help\\\"");
            String frame = consoleFrame(SERVER, "Done (3.2s)! For help, type \\\"help\\\"");
            assertEquals(frame, witness.next());
            if (expected.equals("allowed")) {
                assertEquals(frame, client.next());
            } else {
                assertEquals(List.of(), client.drainUntilPong(), "no console without the permission");
            }
            // Whatever the console verdict, the rest of the subscription stands.
            publishServer(SERVER, status(SERVER, "running"));
            assertEquals(status(SERVER, "running"), client.next());
        }
    }

    @Test
    @DisplayName("a stranger asking for the console gets the plain Forbidden answer and no subscription")
    void strangerGetsNoConsole() throws Exception {
        try (WsTestClient stranger = authenticated(STRANGER_TOKEN);
             WsTestClient witness = watching(OWNER_TOKEN, SERVER, "[\"console\"]")) {
            stranger.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
            assertEquals("{\"type\":\"error\",\"error\":\"Forbidden: You don't have access to this server\"}", stranger.next());
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            publishConsole(SERVER, "secret output");
            witness.awaitMessage(m -> m.contains("secret output"));
            publishServer(SERVER, status(SERVER, "running"));
            witness.awaitMessage(status(SERVER, "running")::equals);
            assertEquals(List.of(), stranger.drainUntilPong());
        }
    }

    @Test
    @DisplayName("the relay holds a console channel only while a socket reads it; opting out of console keeps the rest")
    void consoleOptInAndOut() throws Exception {
        try (WsTestClient first = watching(OWNER_TOKEN, SERVER, null);
             WsTestClient second = authenticated(ADMIN_TOKEN)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(SERVER), 1);
            assertEquals(0, consoleSubscribers(SERVER), "no opt-in, no console channel");

            // Without opt-in, console lines never reach the socket (nothing on the relay even hears them).
            publishConsole(SERVER, "unheard");
            publishServer(SERVER, status(SERVER, "starting"));
            assertEquals(status(SERVER, "starting"), first.next());

            subscribe(first, SERVER, "[\"console\"]");
            subscribe(second, SERVER, "[\"console\"]");
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            publishConsole(SERVER, "line 1", "line 2");
            assertEquals(consoleFrame(SERVER, "line 1", "line 2"), first.next());
            assertEquals(consoleFrame(SERVER, "line 1", "line 2"), second.next());

            // A plain re-subscribe does not turn the console off.
            subscribe(first, SERVER, null);
            first.send("{\"type\":\"unsubscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
            assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}", first.next());
            assertEquals(1, relay.consoleWatcherCount(SERVER));
            assertEquals(1, consoleSubscribers(SERVER), "the second socket still reads the console");

            second.send("{\"type\":\"unsubscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"" + SERVER + "\"}", second.next());
            await().atMost(WsTestClient.WAIT).until(() -> consoleSubscribers(SERVER) == 0);
            assertEquals(List.of(), consoleChannels(), "no console channel of this prefix is held");

            publishServer(SERVER, status(SERVER, "running"));
            assertEquals(status(SERVER, "running"), first.next(), "the first socket keeps its subscription");
            assertEquals(List.of(), first.drainUntilPong());
        }
    }

    @Test
    @DisplayName("closing the last console reader releases the console channel")
    void closingReleasesConsoleChannel() throws Exception {
        WsTestClient reader = watching(MEMBER_TOKEN, SERVER, "[\"console\"]");
        RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
        reader.close();
        await().atMost(WsTestClient.WAIT).until(() -> consoleSubscribers(SERVER) == 0);
        assertEquals(0, relay.consoleWatcherCount(SERVER));
    }

    @Test
    @DisplayName("a member who loses the console permission gets 'Console access revoked' and keeps status and sync")
    void consolePermissionRevoked() throws Exception {
        try (WsTestClient member = watching(MEMBER_TOKEN, SERVER, "[\"console\"]");
             WsTestClient witness = watching(OWNER_TOKEN, SERVER, "[\"console\"]")) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            publishConsole(SERVER, "before");
            assertEquals(consoleFrame(SERVER, "before"), member.next());
            assertEquals(consoleFrame(SERVER, "before"), witness.next());

            services.db().execute("UPDATE server_members SET permissions = '{control.start}' WHERE \"userId\" = '" + MEMBER + "'");
            relay.revalidateNow();
            assertEquals("{\"type\":\"error\",\"error\":\"Console access revoked\",\"serverId\":\"srv_abc123\"}", member.next());

            publishConsole(SERVER, "after");
            assertEquals(consoleFrame(SERVER, "after"), witness.next());
            publishServer(SERVER, status(SERVER, "stopping"));
            assertEquals(status(SERVER, "stopping"), witness.next());
            assertEquals(status(SERVER, "stopping"), member.next(), "status still flows, and the console frame never came");

            // Asking again is refused now, with the subscription kept.
            member.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"" + SERVER + "\"}", member.next());
            assertEquals(CONSOLE_FORBIDDEN, member.next());
            assertEquals(1, relay.consoleWatcherCount(SERVER));
        }
    }

    @Test
    @DisplayName("bad events from clients get a clear error and change nothing")
    void badEventListsAreRefused() throws Exception {
        try (WsTestClient owner = authenticated(OWNER_TOKEN)) {
            owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\",\"logs\"]}");
            assertEquals("{\"type\":\"error\",\"error\":\"Unknown event: \\\"logs\\\" (known: console)\"}", owner.next());
            owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":\"console\"}");
            assertEquals("{\"type\":\"error\",\"error\":\"\\\"events\\\" must be a non-empty array of strings\"}", owner.next());
            assertEquals(0, relay.watcherCount(SERVER));
            assertEquals(0, relay.consoleWatcherCount(SERVER));
        }
    }

    @Test
    @DisplayName("malformed messages published to Redis are dropped with a rate-limited warning; clients get only valid frames")
    void malformedPublishedMessagesAreDropped() throws Exception {
        try (StderrCapture log = StderrCapture.start();
             WsTestClient owner = watching(OWNER_TOKEN, SERVER, "[\"console\"]");
             WsTestClient other = watching(ADMIN_TOKEN, OTHER_SERVER, null)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(OTHER_SERVER), 1);
            List<String> badServerFrames = List.of(
                    status(OTHER_SERVER, "running"),                                         // another server's frame
                    "{\"type\":\"server:console\",\"serverId\":\"srv_abc123\",\"data\":{\"lines\":[\"smuggled\"]}}",
                    "{\"type\":\"server:secret\",\"serverId\":\"srv_abc123\",\"data\":{}}",   // unknown type
                    "{\"serverId\":\"srv_abc123\",\"type\":\"server:status\",\"data\":{}}",   // not type first
                    "{\"type\":\"server:status\",\"serverId\":\"srv_abc1234\",\"data\":{}}",  // an id that merely starts the same
                    "{\"type\":\"server:status\",\"serverId\":\"srv_abc123",                  // cut short
                    "not json at all",
                    "");
            for (String frame : badServerFrames) {
                publishServer(SERVER, frame);
            }
            byte[] invalidUtf8 = "{\"type\":\"server:status\",\"serverId\":\"srv_abc123\",\"data\":{\"status\":\"\u00ff\"}}"
                    .getBytes(StandardCharsets.ISO_8859_1);
            services.redis().client().publish(names.serverChannel(SERVER).getBytes(StandardCharsets.UTF_8), invalidUtf8);
            for (String message : List.of("not json", "{}", "{\"lines\":[]}", "{\"lines\":\"one\"}", "{\"lines\":[1]}",
                    "[\"a\"]", "{\"lines\":[\"a\"]} trailing")) {
                services.redis().client().publish(names.consoleChannel(SERVER), message);
            }
            services.redis().client().publish(names.consoleChannel(SERVER).getBytes(StandardCharsets.UTF_8),
                    "{\"lines\":[\"\u00ff\"]}".getBytes(StandardCharsets.ISO_8859_1));
            // The same bad frame many times: the log must not grow with it.
            for (int i = 0; i < 200; i++) {
                publishServer(SERVER, "{\"type\":\"server:secret\",\"serverId\":\"srv_abc123\"}");
            }

            publishServer(SERVER, status(SERVER, "running"));
            publishConsole(SERVER, "valid");
            publishServer(OTHER_SERVER, status(OTHER_SERVER, "stopped"));
            assertEquals(status(SERVER, "running"), owner.next(), "nothing bad arrived before the valid status");
            assertEquals(consoleFrame(SERVER, "valid"), owner.next());
            assertEquals(List.of(), owner.drainUntilPong());
            assertEquals(status(OTHER_SERVER, "stopped"), other.next());
            assertTrue(owner.isOpen() && other.isOpen());

            long warnings = log.count("Dropped a message on " + services.redis().prefix());
            assertTrue(warnings >= 3 && warnings <= 8, "one warning per kind of problem, not one per message: " + warnings
                    + "\n" + String.join("\n", log.matching("Dropped a message")));
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("Exception")), "no stack trace in the log");
        }
    }

    @Test
    @DisplayName("a console flood of 20,000 lines/s is capped with dropped counted, while a quiet server's frames arrive promptly")
    void consoleFloodIsCappedAndDoesNotDelayOthers() throws Exception {
        int linesPerMessage = 20;
        int messages = 2_000; // 40,000 lines, published at 20,000 lines/s
        try (WsTestClient reader = watching(OWNER_TOKEN, SERVER, "[\"console\"]");
             WsTestClient quiet = watching(ADMIN_TOKEN, OTHER_SERVER, null)) {
            RelayFixture.awaitChannelSubscribers(services.redis(), names.consoleChannel(SERVER), 1);
            RelayFixture.awaitChannelSubscribers(services.redis(), names.serverChannel(OTHER_SERVER), 1);
            String message = "{\"lines\":[" + String.join(",", java.util.Collections.nCopies(linesPerMessage,
                    "\"[Server thread/INFO]: a rather chatty plugin says hello\"")) + "]}";
            long started = System.nanoTime();
            Thread flood = Thread.ofPlatform().name("console-flood").start(() -> {
                for (int i = 0; i < messages; i++) {
                    // Paced at 1,000 messages per second: a wait for a deadline, not a synchronisation.
                    long due = started + i * 1_000_000L;
                    java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                    services.redis().client().publish(names.consoleChannel(SERVER), message);
                }
            });
            long worstMillis = 0;
            int quietFrames = 0;
            while (flood.isAlive()) {
                String frame = status(OTHER_SERVER, "tick-" + quietFrames++);
                long sent = System.nanoTime();
                publishServer(OTHER_SERVER, frame);
                assertEquals(frame, quiet.next());
                worstMillis = Math.max(worstMillis, (System.nanoTime() - sent) / 1_000_000);
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // pacing of the quiet server
            }
            long floodMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(quietFrames >= 10, "the quiet server kept publishing during the flood: " + quietFrames);
            assertTrue(worstMillis < 1_000, "quiet server's frames delayed by the flood: worst " + worstMillis + " ms");

            // Every published line is either delivered or counted as dropped, in frames of the documented shape.
            long total = (long) messages * linesPerMessage;
            long[] delivered = {0};
            long[] dropped = {0};
            long[] frames = {0};
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            await().atMost(WsTestClient.WAIT).until(() -> {
                for (String frame : reader.takeReceived()) {
                    var node = json.readTree(frame);
                    assertEquals("server:console", node.get("type").asText());
                    assertEquals(SERVER, node.get("serverId").asText());
                    delivered[0] += node.get("data").get("lines").size();
                    dropped[0] += node.get("data").path("dropped").asLong(0);
                    frames[0]++;
                }
                return delivered[0] + dropped[0] == total;
            });
            // One second's burst plus 1,000 lines for every second the flood lasted, and a little slack.
            long allowed = 1_000 + 1_000 * (floodMillis + 999) / 1_000 + 200;
            assertTrue(delivered[0] <= allowed, "delivered " + delivered[0] + " lines in " + floodMillis + " ms, allowed " + allowed);
            assertTrue(dropped[0] >= total - allowed, "dropped " + dropped[0]);
            assertTrue(frames[0] < messages / 4, "lines were batched: " + frames[0] + " frames for " + messages + " messages");
            assertTrue(reader.isOpen(), "the reader was never cut off as a slow consumer");
        }
    }
}
