package io.stellarrelay.relay.support;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.MigrateParams;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Redis Cluster of the test's own: {@link PrivateRedis} cluster nodes (the machine's redis-server, 7 or
 * newer for sharded pub/sub) on free loopback ports, formed with {@code redis-cli --cluster create}, all
 * primaries. Closing it stops every node and deletes their directories.
 */
public final class PrivateCluster implements AutoCloseable {
    private static final int ALL_SLOTS = 16_384;

    private final List<PrivateRedis> nodes = new ArrayList<>();

    private PrivateCluster() {}

    /**
     * A cluster of {@code size} primaries with the slots spread evenly, once every node reports
     * {@code cluster_state:ok}. Without redis-server 7 on this machine the test is skipped, and in CI
     * (where a skip must never pass for a success) it fails.
     */
    public static PrivateCluster start(int size) throws Exception {
        requireRedis7();
        PrivateCluster cluster = new PrivateCluster();
        try {
            for (int i = 0; i < size; i++) {
                cluster.nodes.add(PrivateRedis.startClusterNode());
            }
            List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(n -> command.add("127.0.0.1:" + n.port()));
            command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(command);
            await().atMost(WsTestClient.WAIT).ignoreExceptions().until(cluster::isSettled);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static void requireRedis7() throws Exception {
        String version;
        try {
            version = run(List.of("redis-server", "--version"));
        } catch (IOException e) {
            version = "";
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("v=(\\d+)\\.").matcher(version);
        boolean usable = m.find() && Integer.parseInt(m.group(1)) >= 7;
        if (!usable) {
            if ("true".equals(System.getenv("CI"))) {
                fail("redis-server 7 or newer is required in CI for the Redis Cluster test (apt-get install redis-server)");
            }
            assumeTrue(false, "no redis-server 7+ on this machine: Redis Cluster test skipped");
        }
    }

    /** Runs a command to its end within a minute; returns its output, or fails with it. */
    private static String run(List<String> command) throws Exception {
        // Output goes to a file, so the one-minute bound holds even for a command that never ends.
        Path log = Files.createTempFile("redis-cli", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = process.waitFor(1, TimeUnit.MINUTES);
            if (!ended) {
                process.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!ended || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Every node says the cluster is ok and agrees who owns every slot. */
    private boolean isSettled() {
        for (PrivateRedis node : nodes) {
            if (!node.admin(Jedis::clusterInfo).contains("cluster_state:ok")) {
                return false;
            }
        }
        for (int slot = 0; slot < ALL_SLOTS; slot += 97) {
            int s = slot;
            if (nodes.stream().map(n -> ownerPort(n, s)).distinct().count() != 1) {
                return false;
            }
        }
        return true;
    }

    /** {@code REDIS_URL} for the cluster: every node as a seed. */
    public String url() {
        return nodes.stream().map(PrivateRedis::url).collect(Collectors.joining(","));
    }

    public List<PrivateRedis> nodes() {
        return nodes;
    }

    /** The node that owns {@code slot}, as the first node sees it. */
    public PrivateRedis ownerOf(int slot) {
        int port = ownerPort(nodes.get(0), slot);
        return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
    }

    /** The port of the slot's owner in {@code node}'s view (CLUSTER SLOTS). */
    private static int ownerPort(PrivateRedis node, int slot) {
        for (Object range : node.admin(Jedis::clusterSlots)) {
            List<?> r = (List<?>) range;
            if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
            }
        }
        return -1;
    }

    /**
     * Moves one slot, keys included, the way resharding does: the target imports, the source migrates
     * every key, then every node is told the new owner (target first, so the source's redirections point
     * at a node that accepts them). Returns once every node agrees.
     */
    public void moveSlot(int slot, PrivateRedis target) {
        PrivateRedis source = ownerOf(slot);
        String targetId = target.admin(Jedis::clusterMyId);
        String sourceId = source.admin(Jedis::clusterMyId);
        target.admin(j -> j.clusterSetSlotImporting(slot, sourceId));
        source.admin(j -> j.clusterSetSlotMigrating(slot, targetId));
        List<String> keys;
        while (!(keys = source.admin(j -> j.clusterGetKeysInSlot(slot, 100))).isEmpty()) {
            String[] batch = keys.toArray(String[]::new);
            source.admin(j -> j.migrate("127.0.0.1", target.port(), 0, 5_000, new MigrateParams(), batch));
        }
        target.admin(j -> j.clusterSetSlotNode(slot, targetId));
        source.admin(j -> j.clusterSetSlotNode(slot, targetId));
        for (PrivateRedis node : nodes) {
            if (node != target && node != source) {
                node.admin(j -> j.clusterSetSlotNode(slot, targetId));
            }
        }
        await().atMost(WsTestClient.WAIT).until(() -> nodes.stream().allMatch(n -> ownerPort(n, slot) == target.port()));
    }

    /** Sharded subscribers of {@code channel} on {@code node} (PUBSUB SHARDNUMSUB). */
    public static long shardSubscribers(PrivateRedis node, String channel) {
        List<?> reply = (List<?>) node.admin(j -> j.sendCommand(redis.clients.jedis.Protocol.Command.PUBSUB,
                "SHARDNUMSUB", channel));
        return (Long) reply.get(1);
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (PrivateRedis node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
