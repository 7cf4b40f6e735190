package io.stellarrelay.relay.broker;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.redis.RedisConnector;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@DisplayName("Topology")
class TopologyTest {
    private static int slot(String channel) {
        return JedisClusterCRC16.getSlot(channel.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("a standalone Redis is one fixed node that owns every channel, and a command may mix channels")
    void standaloneIsOneNode() {
        Topology standalone = new Topology.Standalone(
                new RedisConnector(RedisSettings.parse("redis://10.0.0.7:6380"), "test"), new byte[] {'c'});
        HostAndPort node = new HostAndPort("10.0.0.7", 6380);
        assertEquals(Set.of(node), standalone.fixedNodes());
        assertEquals(node, standalone.ownerOf("stellar:server:a".getBytes(StandardCharsets.UTF_8)));
        assertEquals(node, standalone.ownerOf("stellar:console:b".getBytes(StandardCharsets.UTF_8)));
        List<String> channels = List.of("stellar:server:a", "stellar:server:b", "stellar:console:a");
        assertEquals(List.of(channels), standalone.perCommand(channels));
        standalone.slotsMayHaveMoved();
        assertFalse(standalone.refreshPending(), "a standalone Redis has no slot map to refresh");
    }

    @Test
    @DisplayName("on a cluster each command carries channels of one slot, and every channel goes in one")
    void clusterCommandsAreOneSlotEach() {
        List<String> channels = List.of("{a}:server:1", "{b}:server:2", "{a}:console:1", "stellar:server:3",
                "stellar:server:4");
        List<List<String>> groups = Topology.Cluster.bySlot(channels);
        for (List<String> group : groups) {
            assertEquals(1, group.stream().map(TopologyTest::slot).collect(Collectors.toSet()).size(), group::toString);
        }
        Set<String> all = new HashSet<>();
        groups.forEach(all::addAll);
        assertEquals(Set.copyOf(channels), all);
        assertEquals(channels.size(), groups.stream().mapToInt(List::size).sum());
        assertEquals(channels.stream().map(TopologyTest::slot).distinct().count(), groups.size());
    }
}
