package io.stellarrelay.relay.console;

import io.stellarrelay.relay.hub.RecordingWatcher;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("ConsoleBatcher")
class ConsoleBatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final Hub consoles = new Hub();
    private final ConsoleBatcher batcher = new ConsoleBatcher(consoles, new ProtocolCodec(), new RedisNames("t"),
            new RelayConfig.Console(Duration.ofMillis(20), 100, 16, 100));

    @AfterEach
    void stop() {
        batcher.close();
    }

    private void offer(String serverId, String... lines) {
        String json = Arrays.stream(lines).map(l -> "\"" + l + "\"").collect(Collectors.joining(",", "{\"lines\":[", "]}"));
        batcher.offer(serverId, json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> awaitFrames(RecordingWatcher watcher, int count) {
        await().atMost(WAIT).until(() -> watcher.frames.size() >= count);
        return watcher.texts();
    }

    @Test
    @DisplayName("collects the lines of several messages into one frame, encoded once for every watcher")
    void batchesAndShares() {
        // A window long enough that the two offers below fall into one even on a loaded machine.
        Hub hub = new Hub();
        try (ConsoleBatcher slowWindow = new ConsoleBatcher(hub, new ProtocolCodec(), new RedisNames("t"),
                new RelayConfig.Console(Duration.ofSeconds(1), 100, 16, 100))) {
            RecordingWatcher a = new RecordingWatcher();
            RecordingWatcher b = new RecordingWatcher();
            hub.watch("srv_1", a);
            hub.watch("srv_1", b);
            slowWindow.offer("srv_1", "{\"lines\":[\"one\",\"two\"]}".getBytes(StandardCharsets.UTF_8));
            slowWindow.offer("srv_1", "{\"lines\":[\"three\"]}".getBytes(StandardCharsets.UTF_8));
            assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"one\",\"two\",\"three\"]}}"),
                    awaitFrames(a, 1));
            awaitFrames(b, 1);
            assertEquals(a.frames.get(0), b.frames.get(0), "the same frame for every watcher");
        }
    }

    @Test
    @DisplayName("forwards one second's worth of lines at once and counts the rest as dropped")
    void capsRateAndCountsDrops() {
        RecordingWatcher watcher = new RecordingWatcher();
        consoles.watch("srv_1", watcher);
        String[] burst = IntStream.range(0, 150).mapToObj(i -> "l" + i).toArray(String[]::new);
        offer("srv_1", burst);
        String first = awaitFrames(watcher, 1).get(0);
        String kept = IntStream.range(0, 100).mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(","));
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[" + kept + "],\"dropped\":50}}", first);

    }

    @Test
    @DisplayName("sends a frame with only the dropped count when a whole window was dropped")
    void reportsWholeWindowDropped() {
        Hub slowHub = new Hub();
        try (ConsoleBatcher slow = new ConsoleBatcher(slowHub, new ProtocolCodec(), new RedisNames("t"),
                new RelayConfig.Console(Duration.ofMillis(20), 1, 16, 100))) {
            RecordingWatcher watcher = new RecordingWatcher();
            slowHub.watch("srv_1", watcher);
            slow.offer("srv_1", "{\"lines\":[\"a\",\"b\"]}".getBytes(StandardCharsets.UTF_8));
            awaitFrames(watcher, 1);
            // One line per second: the next second's token is far off, so this whole window is dropped.
            slow.offer("srv_1", "{\"lines\":[\"c\",\"d\"]}".getBytes(StandardCharsets.UTF_8));
            assertEquals(List.of(
                    "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"a\"],\"dropped\":1}}",
                    "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[],\"dropped\":2}}"),
                    awaitFrames(watcher, 2));
        }
    }

    @Test
    @DisplayName("cuts lines longer than the byte limit")
    void cutsLongLines() {
        RecordingWatcher watcher = new RecordingWatcher();
        consoles.watch("srv_1", watcher);
        offer("srv_1", "0123456789abcdefXYZ");
        assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"0123456789abcdef\"]}}"),
                awaitFrames(watcher, 1));
    }

    @Test
    @DisplayName("keeps nothing for a server whose console nobody reads")
    void forgetsUnwatchedServers() {
        offer("srv_1", "nobody reads this");
        assertEquals(0, batcher.trackedServers());

        RecordingWatcher watcher = new RecordingWatcher();
        consoles.watch("srv_1", watcher);
        offer("srv_1", "read");
        awaitFrames(watcher, 1);
        assertEquals(1, batcher.trackedServers());
        consoles.unwatch("srv_1", watcher);
        assertEquals(0, batcher.trackedServers());
    }

    @Test
    @DisplayName("opens a console with its history up to the last entry delivered, capped like live lines, then "
            + "lets live lines through")
    void historyUpToDeliveredWithCaps() {
        RecordingWatcher socket = new RecordingWatcher();
        HistoryGate gate = new HistoryGate(socket);
        consoles.watch("srv_1", gate);
        batcher.readingFrom("srv_1", new StreamEntryID(3, 0));
        String burst = IntStream.range(0, 150).mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(","));
        List<StreamEntry> newestFirst = List.of(
                entry(4, "{\"lines\":[\"not delivered yet\"]}"),
                entry(3, "{\"lines\":[\"0123456789abcdefXYZ\"]}"),
                entry(2, "{\"lines\":[" + burst + "]}"),
                entry(1, "{\"lines\":[\"first line\"]}"));
        batcher.history("srv_1", gate, newestFirst, 200);
        String kept = IntStream.range(51, 150).mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(","));
        assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[" + kept
                + ",\"0123456789abcdef\"],\"dropped\":52,\"history\":true}}"), awaitFrames(socket, 1));
        offer("srv_1", "live");
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"live\"]}}",
                awaitFrames(socket, 2).get(1));
    }

    @Test
    @DisplayName("a socket waiting for its history gets published lines (which no history holds) at once, in a frame "
            + "of their own when the batch holds stream lines too, then its history, then live lines, none twice")
    void publishedLinesPassWaitingGate() {
        RecordingWatcher other = new RecordingWatcher();
        consoles.watch("srv_1", other);
        batcher.readingFrom("srv_1", new StreamEntryID(1, 0));
        RecordingWatcher socket = new RecordingWatcher();
        ConsoleOptIn optIn = new ConsoleOptIn(consoles, batcher);
        HistoryGate gate = (HistoryGate) optIn.watch("srv_1", socket);
        batcher.offer("srv_1", "{\"lines\":[\"from the stream\"]}".getBytes(StandardCharsets.UTF_8), new StreamEntryID(2, 0));
        offer("srv_1", "published");
        assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"from the stream\"]}}",
                "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"published\"]}}"),
                awaitFrames(other, 2));
        assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"published\"]}}"),
                awaitFrames(socket, 1), "the stream line is the history's");

        batcher.history("srv_1", gate, List.of(entry(2, "{\"lines\":[\"from the stream\"]}")), 100);
        offer("srv_1", "live");
        assertEquals(List.of("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"published\"]}}",
                "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"from the stream\"],\"history\":true}}",
                "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"live\"]}}"),
                awaitFrames(socket, 3));
        awaitFrames(other, 3);
        assertEquals(3, socket.texts().size(), "nothing twice: " + socket.texts());
    }

    @Test
    @DisplayName("passes nothing to a socket that left the console before its history came")
    void noHistoryAfterLeaving() {
        RecordingWatcher socket = new RecordingWatcher();
        ConsoleOptIn optIn = new ConsoleOptIn(consoles, batcher);
        Watcher watcher = optIn.watch("srv_1", socket);
        batcher.readingFrom("srv_1", new StreamEntryID(1, 0));
        optIn.unwatch("srv_1", watcher);
        assertEquals(List.of(), optIn.waiting(), "the request goes with the socket");
        batcher.history("srv_1", (HistoryGate) watcher, List.of(entry(1, "{\"lines\":[\"old\"]}")), 100);
        RecordingWatcher other = new RecordingWatcher();
        consoles.watch("srv_1", other);
        offer("srv_1", "live");
        awaitFrames(other, 1);
        assertEquals(List.of(), socket.texts());
    }

    private static StreamEntry entry(long millis, String data) {
        return new StreamEntry(new StreamEntryID(millis, 0), Map.of("data", data));
    }
}
