package io.stellarrelay.redis;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@DisplayName("RedisNames")
class RedisNamesTest {

    private final RedisNames names = new RedisNames("stellar");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a relay's per-shard control channel lands in the slot of its tag, whatever the relay id")
    void shardControlChannelSlotFollowsTheTag() {
        byte[] channel = names.relayShardControlChannelBytes("relay-1", 42);
        assertEquals("stellar:relay:relay-1:{42}", new String(channel, StandardCharsets.UTF_8));
        assertEquals(redis.clients.jedis.util.JedisClusterCRC16.getSlot("42"),
                redis.clients.jedis.util.JedisClusterCRC16.getSlot(channel));
        assertEquals(redis.clients.jedis.util.JedisClusterCRC16.getSlot(channel),
                redis.clients.jedis.util.JedisClusterCRC16.getSlot(names.relayShardControlChannelBytes("other", 42)));
    }

    @Test
    @DisplayName("names a server's channel <prefix>:server:<serverId>, as text and as UTF-8 bytes")
    void namesServerChannel() {
        assertEquals("stellar:server:srv_1", names.serverChannel("srv_1"));
        assertArrayEquals(utf8("stellar:server:srv_1"), names.serverChannelBytes("srv_1"));
    }

    @Test
    @DisplayName("names the relay index {<prefix>}:relays, with the prefix as a cluster hash tag")
    void namesRelayIndex() {
        assertEquals("{stellar}:relays", names.relayIndexKey());
    }

    @Test
    @DisplayName("names a relay's watch set {<prefix>}:relay:<relayId>:watching, in the same hash slot as the index")
    void namesRelayWatchKey() {
        assertEquals("{stellar}:relay:r1:watching", names.relayWatchKey("r1"));
        assertEquals(names.relayWatchKey("r1"), names.relayWatchKeyPrefix() + "r1" + names.relayWatchKeySuffix());
    }

    @Test
    @DisplayName("names a relay's control channel <prefix>:relay:<relayId>, without a hash tag")
    void namesRelayControlChannel() {
        assertEquals("stellar:relay:r1", names.relayControlChannel("r1"));
    }

    @Test
    @DisplayName("keeps the prefix it was made with")
    void keepsPrefix() {
        assertEquals("stellar", names.prefix());
        assertEquals("other:server:x", new RedisNames("other").serverChannel("x"));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("reads back the server id of its own server channel, non-ASCII ids included")
    @ValueSource(strings = {"srv_1", "cm9abc123xyz", "3f2b8c1e-1a2b-4c3d-9e8f-0a1b2c3d4e5f", "sérvér-ü", "東京-サーバー",
            "emoji-😀", "with:colons:inside", "x"})
    void readsServerIdBack(String serverId) {
        assertEquals(serverId, names.serverIdOf(names.serverChannelBytes(serverId)));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("answers null for any channel that is not one of its server channels")
    @ValueSource(strings = {
            "stellar:relay:r1",        // a control channel
            "other:server:srv_1",      // another prefix
            "stellar2:server:srv_1",   // a prefix that merely starts the same
            "stellar:server:",         // the bare server channel prefix, no id
            "stellar:server",
            "stellar",
            "",
            "STELLAR:server:srv_1",
            "{stellar}:relays"})
    void answersNullForOtherChannels(String channel) {
        assertNull(names.serverIdOf(utf8(channel)));
    }

    @Test
    @DisplayName("console channels are separate from server channels and read back their server id")
    void consoleChannels() {
        assertEquals("stellar:console:srv_1", names.consoleChannel("srv_1"));
        assertEquals("東京-サーバー", names.consoleServerIdOf(utf8(names.consoleChannel("東京-サーバー"))));
        assertNull(names.consoleServerIdOf(utf8(names.serverChannel("srv_1"))));
        assertNull(names.serverIdOf(utf8(names.consoleChannel("srv_1"))));
        assertNull(names.consoleServerIdOf(utf8("stellar:console:")));
    }

    @Test
    void consoleStreamNamesRoundTrip() {
        assertEquals("stellar:console:srv_1", names.consoleStream("srv_1"));
        assertEquals("srv_1", names.consoleStreamServerId(names.consoleStream("srv_1")));
        assertNull(names.consoleStreamServerId("stellar:console:"));
        assertNull(names.consoleStreamServerId("stellar:server:srv_1"));
    }
}
