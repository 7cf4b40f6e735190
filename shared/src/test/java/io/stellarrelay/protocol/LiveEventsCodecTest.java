package io.stellarrelay.protocol;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("ProtocolCodec, live events")
class LiveEventsCodecTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    private String decodeError(String frame) {
        return assertThrows(ProtocolException.class, () -> codec.decode(frame)).getMessage();
    }

    @Test
    @DisplayName("subscribe and unsubscribe without events ask for no extra events")
    void noEventsListMeansNone() throws Exception {
        assertEquals(new ClientMessage.Subscribe("srv_1", Set.of()),
                codec.decode("{\"type\":\"subscribe\",\"serverId\":\"srv_1\"}"));
        assertEquals(new ClientMessage.Unsubscribe("srv_1", Set.of()),
                codec.decode("{\"type\":\"unsubscribe\",\"serverId\":\"srv_1\"}"));
    }

    @Test
    @DisplayName("reads the console opt-in on subscribe and unsubscribe, duplicates collapsed")
    void readsConsoleOptIn() throws Exception {
        assertEquals(new ClientMessage.Subscribe("srv_1", Set.of(EventKind.CONSOLE)),
                codec.decode("{\"type\":\"subscribe\",\"serverId\":\"srv_1\",\"events\":[\"console\",\"console\"]}"));
        assertEquals(new ClientMessage.Unsubscribe("srv_1", Set.of(EventKind.CONSOLE)),
                codec.decode("{\"type\":\"unsubscribe\",\"serverId\":\"srv_1\",\"events\":[\"console\"]}"));
    }

    @ParameterizedTest(name = "events {0}")
    @DisplayName("an events value that is not a non-empty array of strings is refused")
    @ValueSource(strings = {"[]", "\"console\"", "null", "{}", "[1]", "[\"console\",null]", "[[\"console\"]]"})
    void refusesMalformedEvents(String events) {
        assertEquals("\"events\" must be a non-empty array of strings",
                decodeError("{\"type\":\"subscribe\",\"serverId\":\"srv_1\",\"events\":" + events + "}"));
    }

    @Test
    @DisplayName("an unknown event is named in the error with the known ones")
    void namesUnknownEvent() {
        assertEquals("Unknown event: \"logs\" (known: console)",
                decodeError("{\"type\":\"subscribe\",\"serverId\":\"srv_1\",\"events\":[\"console\",\"logs\"]}"));
        assertEquals("Unknown event: \"" + "x".repeat(64) + "...\" (known: console)",
                decodeError("{\"type\":\"unsubscribe\",\"serverId\":\"srv_1\",\"events\":[\"" + "x".repeat(100) + "\"]}"));
    }

    @Test
    @DisplayName("unsubscribed repeats the events only when the client named some")
    void writesUnsubscribedWithEvents() {
        assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"srv_1\"}",
                codec.encode(new ServerMessage.Unsubscribed("srv_1", Set.of())));
        assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"srv_1\",\"events\":[\"console\"]}",
                codec.encode(new ServerMessage.Unsubscribed("srv_1", Set.of(EventKind.CONSOLE))));
    }

    @Test
    @DisplayName("writes server:status and server:stats in the documented shape")
    void writesStatusAndStats() {
        assertEquals("{\"type\":\"server:status\",\"serverId\":\"srv_1\",\"data\":{\"status\":\"running\"}}",
                codec.encode(new ServerMessage.ServerStatus("srv_1", new ServerMessage.ServerStatus.Status("running"))));
        assertEquals("{\"type\":\"server:stats\",\"serverId\":\"srv_1\",\"data\":{\"cpu\":37.5,\"memory\":812,"
                        + "\"disk\":3120,\"network\":{\"rx\":123456,\"tx\":654321}}}",
                codec.encode(new ServerMessage.ServerStats("srv_1", new ServerMessage.ServerStats.Stats(
                        37.5, 812, 3120, new ServerMessage.ServerStats.Network(123456, 654321)))));
    }

    @Test
    @DisplayName("writes server:console with dropped only when lines were dropped")
    void writesConsole() {
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"a\",\"\\u001b[32mok\"]}}",
                codec.encode(new ServerMessage.ServerConsole("srv_1", List.of("a", "\u001b[32mok"), 0)));
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[],\"dropped\":42}}",
                codec.encode(new ServerMessage.ServerConsole("srv_1", List.of(), 42)));
    }

    @Test
    @DisplayName("writes server:console with gap only when lines were lost uncounted")
    void writesConsoleGap() {
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[],\"gap\":true}}",
                codec.encode(new ServerMessage.ServerConsole("srv_1", List.of(), 0, true)));
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"a\"],\"dropped\":3,"
                + "\"gap\":true}}", codec.encode(new ServerMessage.ServerConsole("srv_1", List.of("a"), 3, true)));
    }

    @Test
    @DisplayName("writes server:console with history only for the frame of earlier lines")
    void writesConsoleHistory() {
        assertEquals("{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[\"a\",\"b\"],\"dropped\":2,"
                + "\"history\":true}}", codec.encode(new ServerMessage.ServerConsole("srv_1", List.of("a", "b"), 2, false, true)));
    }

    @Test
    @DisplayName("reads the lines of a console message and ignores other keys")
    void readsConsoleLines() throws Exception {
        assertEquals(List.of("line 1", "é ✓", ""), codec.decodeConsoleLines(
                "{\"lines\":[\"line 1\",\"é ✓\",\"\"],\"ts\":1}".getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("a console message without a non-empty array of string lines is refused")
    @ValueSource(strings = {"", "not json", "[\"a\"]", "{}", "{\"lines\":[]}", "{\"lines\":\"a\"}",
            "{\"lines\":[\"a\",1]}", "{\"lines\":[\"a\"]} trailing", "{\"lines\":[\"a\"],\"lines\":[\"b\"]}"})
    void refusesMalformedConsoleMessages(String message) {
        assertThrows(ProtocolException.class,
                () -> codec.decodeConsoleLines(message.getBytes(StandardCharsets.UTF_8)));
    }
}
