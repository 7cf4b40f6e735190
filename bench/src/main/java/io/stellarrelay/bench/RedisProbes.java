package io.stellarrelay.bench;

import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the scenarios ask Redis about itself: who subscribes to a channel, how much CPU it has used. */
final class RedisProbes {
    private RedisProbes() {}

    /** Waits until the relay has subscribed every server channel that has a watcher (PUBSUB NUMSUB). */
    static void awaitRelaySubscribed(BenchRun run, RedisClient redis, String[] channels, long[] watchers)
            throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            Map<String, Long> counts = numSub(redis, channels);
            boolean all = true;
            for (int s = 0; s < channels.length; s++) {
                if (watchers[s] > 0 && counts.getOrDefault(channels[s], 0L) < 1) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
        run.note("warning: the relay had not subscribed every channel after 30 s");
    }

    /** PUBSUB NUMSUB: subscribers of each channel. */
    static Map<String, Long> numSub(RedisClient redis, String[] channels) {
        String[] args = new String[channels.length + 1];
        args[0] = "NUMSUB";
        System.arraycopy(channels, 0, args, 1, channels.length);
        List<?> reply = (List<?>) redis.sendCommand(Protocol.Command.PUBSUB, args);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            Object name = reply.get(i);
            String channel = name instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(name);
            counts.put(channel, ((Number) reply.get(i + 1)).longValue());
        }
        return counts;
    }

    /** used_cpu_sys + used_cpu_user of the Redis server (INFO cpu). */
    static double redisCpuSeconds(RedisClient redis) {
        try {
            double total = 0;
            for (String line : redis.info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                    total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return total;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
