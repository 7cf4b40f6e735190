package io.stellarrelay.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.StreamEntryID;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulated daemon's live events, on a real Redis, in the shapes of the live events contract. */
class LiveEventSimulatorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutFixtures();
    private static DemoDatabase demo;
    private static RedisNames names;
    private static LiveEventSimulator simulator;

    @BeforeAll
    static void start() throws Exception {
        services.db().execute(DemoInstallation.script());
        services.db().execute("UPDATE servers SET status = 'STOPPED' WHERE id <> 'srv_demo_01'");
        services.db().execute("UPDATE servers SET status = 'RUNNING', suspended = false WHERE id = 'srv_demo_01'");
        demo = new DemoDatabase(services.db().url());
        names = new RedisNames(services.redis().prefix());
        simulator = new LiveEventSimulator(demo.dataSource(), services.redis().client(), names, new Random(3));
    }

    @AfterAll
    static void stop() {
        if (simulator != null) simulator.close();
        if (demo != null) demo.close();
    }

    @Test
    @DisplayName("a change is announced as a server:status event, followed by the lines the server prints")
    void changeIsAnnounced() throws Exception {
        try (RedisMessages status = new RedisMessages(services.redis().url(), names.serverChannel("srv_demo_03"))) {
            simulator.changed(new ActivitySimulator.Change("srv_demo_03", "bp_minecraft_java", "STOPPING"));
            assertEquals("{\"type\":\"server:status\",\"serverId\":\"srv_demo_03\",\"data\":{\"status\":\"stopping\"}}",
                    status.next());
            JsonNode lines = JSON.readTree(awaitConsole("srv_demo_03").get(0)).get("lines");
            assertEquals("[Stellar Daemon]: Server marked as stopping...", lines.get(0).asText());
        }
    }

    @Test
    @DisplayName("a crash prints a report longer than a relay passes for one server in a second")
    void crashPrintsALongReport() throws Exception {
        simulator.changed(new ActivitySimulator.Change("srv_demo_04", "bp_terraria", "ERROR"));
        List<String> batches = awaitConsole("srv_demo_04");
        assertEquals(List.of(ConsoleLines.CRASH_REPORT_LINES),
                batches.stream().map(b -> readLines(b).size()).toList(), "one XADD for the whole report");
    }

    @Test
    @DisplayName("only running servers chat on their console and report stats, within their limits")
    void runningServersChatAndReportStats() throws Exception {
        try (RedisMessages running = new RedisMessages(services.redis().url(), names.serverChannel("srv_demo_01"));
             RedisMessages stopped = new RedisMessages(services.redis().url(), names.serverChannel("srv_demo_02"))) {
            // A coin that always says yes: every running server chats in this round.
            LiveEventSimulator chatty = new LiveEventSimulator(demo.dataSource(), services.redis().client(), names, new Random() {
                @Override
                public boolean nextBoolean() {
                    return true;
                }
            });
            chatty.stats();
            chatty.chatter();

            JsonNode stats = JSON.readTree(running.next());
            assertEquals("server:stats", stats.get("type").asText());
            assertEquals("srv_demo_01", stats.get("serverId").asText());
            JsonNode data = stats.get("data");
            assertTrue(data.get("cpu").asDouble() <= 200, "within srv_demo_01's cpu limit: " + data);
            assertTrue(data.get("memory").asLong() <= 6144 && data.get("disk").asLong() <= 30720, data.toString());
            assertTrue(data.get("network").get("rx").isNumber() && data.get("network").get("tx").isNumber());
            List<String> chatter = console("srv_demo_01");
            assertEquals(1, chatter.size(), "one XADD per batch: " + chatter);
            assertTrue(readLines(chatter.get(0)).size() >= 1, chatter.get(0));
            assertEquals(List.of(), console("srv_demo_02"), "a stopped server prints nothing");
            chatty.close();

            // Published after that round: had the stopped server published anything, it came first.
            services.redis().client().publish(names.serverChannel("srv_demo_02"), "witness");
            assertEquals("witness", stopped.next());
        }
    }

    /** The messages in the server's console stream, oldest first. */
    private static List<String> console(String serverId) {
        return services.redis().client().xrange(names.consoleStream(serverId), (StreamEntryID) null, (StreamEntryID) null).stream()
                .map(e -> e.getFields().get("data")).toList();
    }

    /** {@link #console} once the simulator's thread has added something. */
    private static List<String> awaitConsole(String serverId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !console(serverId).isEmpty());
        return console(serverId);
    }

    private static JsonNode readLines(String message) {
        try {
            return JSON.readTree(message).get("lines");
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + message, e);
        }
    }
}
