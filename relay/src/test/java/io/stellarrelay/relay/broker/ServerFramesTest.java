package io.stellarrelay.relay.broker;

import io.stellarrelay.redis.RedisNames;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ServerFrames")
class ServerFramesTest {
    private static final RedisNames NAMES = new RedisNames("stellar");
    private static final int OFFSET = NAMES.serverChannelBytes("").length;

    private static boolean forwardable(String serverId, String frame) {
        return type(serverId, frame) != null;
    }

    private static String type(String serverId, String frame) {
        return ServerFrames.forwardableType(frame.getBytes(StandardCharsets.UTF_8), NAMES.serverChannelBytes(serverId),
                OFFSET);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("forwards sync, status and stats frames of the channel's server")
    @ValueSource(strings = {"server:sync", "server:status", "server:stats"})
    void forwardsKnownTypes(String type) {
        assertEquals(type, type("srv_1", "{\"type\":\"" + type + "\",\"serverId\":\"srv_1\",\"data\":{}}"));
        assertTrue(forwardable("東京-サーバー", "{\"type\":\"" + type + "\",\"serverId\":\"東京-サーバー\",\"data\":{}}"));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("refuses anything else on a server channel")
    @ValueSource(strings = {
            "{\"type\":\"server:console\",\"serverId\":\"srv_1\",\"data\":{\"lines\":[]}}",
            "{\"type\":\"server:syncx\",\"serverId\":\"srv_1\",\"data\":{}}",
            "{\"type\":\"server:sync\",\"serverId\":\"srv_2\",\"data\":{}}",
            "{\"type\":\"server:sync\",\"serverId\":\"srv_10\",\"data\":{}}",
            "{\"type\":\"server:sync\",\"serverId\":\"srv_\",\"data\":{}}",
            "{\"type\":\"server:sync\",\"serverId\":\"srv_1",
            "{\"type\":\"server:sync\",\"serverId\":\"",
            "{ \"type\":\"server:sync\",\"serverId\":\"srv_1\",\"data\":{}}",
            "{\"serverId\":\"srv_1\",\"type\":\"server:sync\",\"data\":{}}",
            "{\"type\":\"server:sync\"}",
            "",
            "{"})
    void refusesOthers(String frame) {
        assertFalse(forwardable("srv_1", frame));
    }

    @Test
    @DisplayName("compares an id holding a quote or backslash in its JSON-escaped form")
    void escapesUnusualIds() {
        assertTrue(forwardable("a\"b\\c", "{\"type\":\"server:status\",\"serverId\":\"a\\\"b\\\\c\",\"data\":{}}"));
        assertFalse(forwardable("a\"b\\c", "{\"type\":\"server:status\",\"serverId\":\"a\"b\\c\",\"data\":{}}"));
    }

    @Test
    @DisplayName("lists exactly the types every watcher of a server may see")
    void typesExcludeConsole() {
        assertEquals(java.util.List.of("server:sync", "server:status", "server:stats"), ServerFrames.TYPES);
    }
}
