package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PrivateRedis;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.XAddParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Console output as a capped Redis Stream per server (issue 16): what a backend XADDs reaches console
 * readers; what was added while the relay's connection was down arrives once it is back, from the last
 * entry read; a stream trimmed past that entry gives a gap marker; and a relay with no console reader
 * sends Redis no stream command at all, as Redis's own command statistics show. A socket that opens a
 * console first gets its last lines as one history frame (only with the permission), then live lines,
 * none twice and none missing, even while lines are being added.
 */
class ConsoleStreamsIT {
    private static final String PREFIX = "cs";
    private static final RedisNames NAMES = new RedisNames(PREFIX);
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutRedis();

    @AfterAll
    static void dropDatabase() {
    }

    @Test
    @DisplayName("a relay whose sockets watch servers without opening a console reads no stream (INFO commandstats); "
            + "a console reader starts the reads, and what is XADDed then reaches it")
    void readsOnlyForConsoleReaders() throws Exception {
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis);
             WsTestClient dashboard = WsTestClient.connect(relay.port(), cookieHeader(MEMBER_TOKEN))) {
            dashboard.awaitMessage(m -> m.contains("auth_success"));
            dashboard.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            dashboard.awaitMessage(m -> m.contains("\"subscribed\""));
            xadd(redis, "[12:00:00] nobody reads this");
            // A reader would have sent its first XREADs long before.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                    .until(() -> streamCalls(redis) == 0);

            try (WsTestClient owner = consoleReader(relay, redis)) {
                xadd(redis, "[12:00:01] hello");
                owner.awaitMessage(consoleFrame("[12:00:01] hello")::equals);
            }
        }
    }

    @Test
    @DisplayName("lines XADDed while the relay's Redis connections were killed arrive after they return, in order, "
            + "with no gap marker")
    void linesDuringOutageArrive() throws Exception {
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis);
             WsTestClient owner = consoleReader(relay, redis)) {
            addWhileDisconnected(redis, owner, XAddParams.xAddParams().maxLen(1000).approximateTrimming(),
                    List.of("during 1", "during 2", "during 3"));
            StringBuilder lines = new StringBuilder();
            while (!lines.toString().contains("during 3")) {
                String frame = owner.awaitMessage(m -> m.contains("server:console"));
                assertEquals(-1, frame.indexOf("\"gap\""), "nothing was lost: " + frame);
                lines.append(frame);
            }
            String all = lines.toString();
            assertEquals(true, all.indexOf("during 1") < all.indexOf("during 2") && all.indexOf("during 2") < all.indexOf("during 3"), all);
        }
    }

    @Test
    @DisplayName("a reader that keeps up with a long stream sends Redis nothing but XREAD: twenty lines read one by one "
            + "run no script (INFO commandstats)")
    void keepingUpAsksOnlyXread() throws Exception {
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis)) {
            redis.admin(j -> {
                Pipeline p = j.pipelined();
                for (int i = 0; i < 300; i++) {
                    p.xadd(NAMES.consoleStream(SERVER), XAddParams.xAddParams().maxLen(1000).approximateTrimming(),
                            Map.of("data", "{\"lines\":[\"old " + i + "\"]}"));
                }
                p.sync();
                return null;
            });
            try (WsTestClient owner = consoleReader(relay, redis)) {
                xadd(redis, "first");
                owner.awaitMessage(consoleFrame("first")::equals);
                long scripts = redis.commandCalls("eval");
                for (int i = 0; i < 20; i++) {
                    xadd(redis, "line " + i);
                    owner.awaitMessage(consoleFrame("line " + i)::equals);
                }
                assertEquals(scripts, redis.commandCalls("eval"), "scripts run while keeping up");
            }
        }
    }

    @Test
    @DisplayName("a stream trimmed past the last entry the relay read gives its console readers the count of lost "
            + "lines in dropped, then what the stream still holds")
    void trimmedPastGivesGap() throws Exception {
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis);
             WsTestClient owner = consoleReader(relay, redis)) {
            // Exact MAXLEN 5: only lines 45 to 49 remain.
            addWhileDisconnected(redis, owner, XAddParams.xAddParams().maxLen(5),
                    IntStream.range(0, 50).mapToObj(i -> "line " + i).toList());
            // Lines 0 to 44 went unread: counted, then what the stream still holds, in order.
            String first = owner.awaitMessage(m -> m.contains("server:console"));
            assertEquals(true, first.contains("\"dropped\":45"), first);
            String rest = first.contains("line 49") ? first : first + owner.awaitMessage(m -> m.contains("line 49"));
            assertEquals(true, rest.indexOf("line 45") < rest.indexOf("line 49") && !rest.contains("line 44\""), rest);
        }
    }

    @Test
    @DisplayName("a console opened after 120 lines first gets the last 100 as one frame marked history, then live "
            + "lines; a socket without console permission gets neither")
    void historyOnOptIn() throws Exception {
        services.db().execute("UPDATE server_members SET permissions = '{control.start}' WHERE \"userId\" = 'usr_member'");
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis);
             WsTestClient member = WsTestClient.connect(relay.port(), cookieHeader(MEMBER_TOKEN))) {
            for (int i = 0; i < 120; i++) {
                xadd(redis, "line " + i);
            }
            member.awaitMessage(m -> m.contains("auth_success"));
            member.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
            member.awaitMessage(m -> m.contains("console access"));
            try (WsTestClient owner = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN))) {
                owner.awaitMessage(m -> m.contains("auth_success"));
                owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
                String history = owner.awaitMessage(m -> m.contains("server:console"));
                String expected = IntStream.range(20, 120).mapToObj(i -> "\"line " + i + "\"")
                        .collect(Collectors.joining(",", "{\"type\":\"server:console\",\"serverId\":\"" + SERVER
                                + "\",\"data\":{\"lines\":[", "],\"history\":true}}"));
                assertEquals(expected, history);
                xadd(redis, "live");
                owner.awaitMessage(consoleFrame("live")::equals);
            }
            // The member's socket saw the live line go by on the relay, and got no console frame of any kind.
            List<String> memberFrames = member.drainUntilPong();
            assertEquals(List.of(), memberFrames.stream().filter(m -> m.contains("server:console")).toList());
        } finally {
            services.db().execute("UPDATE server_members SET permissions = '{console.read}' WHERE \"userId\" = 'usr_member'");
        }
    }

    @Test
    @DisplayName("a socket opening a console while the relay blocks in XREAD on its stream gets its history at once, "
            + "not when that XREAD ends (it blocks up to 5 s)")
    void historyWithoutWaitingForTheRead() throws Exception {
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis);
             WsTestClient first = consoleReader(relay, redis)) {
            xadd(redis, "old");
            first.awaitMessage(consoleFrame("old")::equals);
            // The reader has delivered "old" and now blocks in its next XREAD.
            await().atMost(WsTestClient.WAIT).until(() -> redis.admin(j -> j.clientList()).contains("cmd=xread"));
            try (WsTestClient second = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN))) {
                second.awaitMessage(m -> m.contains("auth_success"));
                long sent = System.nanoTime();
                second.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
                String history = second.awaitMessage(m -> m.contains("server:console"));
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertEquals("{\"type\":\"server:console\",\"serverId\":\"" + SERVER
                        + "\",\"data\":{\"lines\":[\"old\"],\"history\":true}}", history);
                assertEquals(true, waitedMs < 2_500, "history after " + waitedMs + " ms");
                xadd(redis, "new");
                second.awaitMessage(consoleFrame("new")::equals);
                first.awaitMessage(consoleFrame("new")::equals);
            }
        }
    }

    @Test
    @DisplayName("sockets opening the console while lines are being added get history then live lines with no line "
            + "twice and none missing")
    void historyAndLiveWithoutGapOrDuplicate() throws Exception {
        int total = 1200;
        try (PrivateRedis redis = PrivateRedis.startInstalled();
             RelayApp relay = startRelay(redis)) {
            xadd(redis, "n 0");
            Thread writer = Thread.ofPlatform().name("console-writer").start(() -> {
                // Two lines per entry, about 400 lines a second: well within the relay's line rate.
                for (int i = 1; i < total; i += 2) {
                    String lines = "{\"lines\":[\"n " + i + "\",\"n " + (i + 1) + "\"]}";
                    redis.admin(j -> j.xadd(NAMES.consoleStream(SERVER), StreamEntryID.NEW_ENTRY, Map.of("data", lines)));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            });
            List<WsTestClient> readers = new ArrayList<>();
            try {
                for (int k = 1; k <= 5; k++) {
                    long entries = k * 100L;
                    // Each socket opens while the writer is at a different point of the stream.
                    await().atMost(WsTestClient.WAIT).until(() -> redis.admin(j -> j.xlen(NAMES.consoleStream(SERVER))) >= entries);
                    WsTestClient reader = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
                    readers.add(reader);
                    reader.awaitMessage(m -> m.contains("auth_success"));
                    reader.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
                }
                writer.join(WsTestClient.WAIT.toMillis());
                for (WsTestClient reader : readers) {
                    List<Integer> seen = new ArrayList<>();
                    boolean first = true;
                    while (seen.isEmpty() || seen.get(seen.size() - 1) < total) {
                        JsonNode frame = JSON.readTree(reader.awaitMessage(m -> m.contains("server:console")));
                        JsonNode data = frame.get("data");
                        assertEquals(first, data.has("history"), "only the first frame is history: " + frame);
                        assertEquals(false, data.has("dropped") || data.has("gap"), frame.toString());
                        first = false;
                        data.get("lines").forEach(line -> seen.add(Integer.parseInt(line.asText().substring(2))));
                    }
                    for (int i = 1; i < seen.size(); i++) {
                        assertEquals(seen.get(i - 1) + 1, seen.get(i), "the line after n " + seen.get(i - 1));
                    }
                }
            } finally {
                writer.join(WsTestClient.WAIT.toMillis());
                readers.forEach(WsTestClient::close);
            }
        }
    }

    private static RelayApp startRelay(PrivateRedis redis) {
        return RelayApp.create(RelayConfig.fromEnvironment(RelayFixture.environment(services.db(), redis.url(), PREFIX, Map.of())))
                .start();
    }

    /** The owner, reading the console of {@link PanelFixtures#SERVER}, once the relay reads its stream. */
    private static WsTestClient consoleReader(RelayApp relay, PrivateRedis redis) throws Exception {
        WsTestClient owner = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
        owner.awaitMessage(m -> m.contains("auth_success"));
        owner.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\",\"events\":[\"console\"]}");
        owner.awaitMessage(m -> m.contains("\"subscribed\""));
        // The reader starts a newly read console at the stream's end; once it has blocked in XREAD it is there.
        await().atMost(WsTestClient.WAIT).until(() -> redis.commandCalls("xread") > 0);
        return owner;
    }

    /**
     * Once a first line has reached {@code owner}, kills the relay's connections and at once adds
     * {@code lines}, one entry each, in one pipeline: the relay is still backing off before reconnecting.
     */
    private static void addWhileDisconnected(PrivateRedis redis, WsTestClient owner, XAddParams params,
                                             List<String> lines) throws InterruptedException {
        xadd(redis, "before");
        owner.awaitMessage(consoleFrame("before")::equals);
        killRelayConnections(redis);
        redis.admin(j -> {
            Pipeline p = j.pipelined();
            for (String line : lines) {
                p.xadd(NAMES.consoleStream(SERVER), params, Map.of("data", "{\"lines\":[\"" + line + "\"]}"));
            }
            p.sync();
            return null;
        });
    }

    private static void xadd(PrivateRedis redis, String line) {
        redis.admin(j -> j.xadd(NAMES.consoleStream(SERVER), StreamEntryID.NEW_ENTRY,
                Map.of("data", "{\"lines\":[\"" + line + "\"]}")));
    }

    /** Drops every client connection but the test's own: the relay's command and stream connections. */
    private static void killRelayConnections(PrivateRedis redis) {
        redis.admin(j -> j.clientKill(new ClientKillParams().type(ClientType.NORMAL).skipMe(ClientKillParams.SkipMe.YES)));
    }

    private static String consoleFrame(String line) {
        return "{\"type\":\"server:console\",\"serverId\":\"" + SERVER + "\",\"data\":{\"lines\":[\"" + line + "\"]}}";
    }

    /** Stream reads Redis has served: XREAD, XREVRANGE, XRANGE, XINFO. */
    private static long streamCalls(PrivateRedis redis) {
        return redis.commandCalls("xread") + redis.commandCalls("xrevrange") + redis.commandCalls("xrange")
                + redis.commandCalls("xinfo|stream") + redis.commandCalls("xinfo");
    }
}
