package io.stellarrelay.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XAddParams;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the daemon's live events in demo mode, through the Redis channels of the live events contract:
 * console output of running servers, their resource usage as {@code server:stats}, and for every change
 * the {@link ActivitySimulator} makes a {@code server:status} event with the lines the change prints (a
 * crash prints a report longer than a relay passes per second, so the page shows dropped lines).
 */
final class LiveEventSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveEventSimulator.class);
    private static final String RUNNING = """
            SELECT id, "blueprintId", cpu, memory, disk FROM servers
             WHERE status::text = 'RUNNING' AND NOT suspended ORDER BY id""";

    private record Running(String id, String blueprintId, double cpu, long memory, long disk) {}

    /** As docs/redis-contract.md says: the last thousand batches or a few more, trimmed cheaply ({@code ~}). */
    private static final long CONSOLE_STREAM_ENTRIES = 1000;

    private final DataSource dataSource;
    private final RedisClient redis;
    private final RedisNames names;
    private final Random random;
    private final ConsoleLines lines;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, ServerMessage.ServerStats.Network> traffic = new HashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("demo-live-events").daemon().factory());

    LiveEventSimulator(DataSource dataSource, RedisClient redis, RedisNames names, Random random) {
        this.dataSource = dataSource;
        this.redis = redis;
        this.names = names;
        this.random = random;
        this.lines = new ConsoleLines(random);
    }

    void start(Duration chatterEvery, Duration statsEvery) {
        scheduler.scheduleWithFixedDelay(() -> quietly(this::chatter), chatterEvery.toMillis(), chatterEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> quietly(this::stats), statsEvery.toMillis(), statsEvery.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Announces a change as the daemon would: the new status at once, then what the server prints. */
    void changed(ActivitySimulator.Change change) {
        scheduler.execute(() -> quietly(() -> {
            publishStatus(change.serverId(), change.status().toLowerCase(Locale.ROOT));
            publishConsole(change.serverId(), lines.transition(change.blueprintId(), change.status()));
        }));
    }

    /** About half of the running servers print a line or two. */
    void chatter() throws SQLException {
        for (Running server : running()) {
            if (random.nextBoolean()) {
                publishConsole(server.id(), lines.chatter(server.blueprintId()));
            }
        }
    }

    /** Every running server reports its usage, within its limits, and its traffic so far. */
    void stats() throws SQLException {
        for (Running server : running()) {
            ServerMessage.ServerStats.Network before = traffic.getOrDefault(server.id(),
                    new ServerMessage.ServerStats.Network(0, 0));
            ServerMessage.ServerStats.Network now = new ServerMessage.ServerStats.Network(
                    before.rx() + random.nextInt(200_000), before.tx() + random.nextInt(400_000));
            traffic.put(server.id(), now);
            double cpu = Math.round(server.cpu() * random.nextDouble() * 10) / 10.0;
            long memory = (long) (server.memory() * (0.3 + 0.6 * random.nextDouble()));
            long disk = (long) (server.disk() * (0.2 + 0.1 * random.nextDouble()));
            publish(names.serverChannel(server.id()), codec.encodeToBytes(new ServerMessage.ServerStats(server.id(),
                    new ServerMessage.ServerStats.Stats(cpu, memory, disk, now))));
        }
    }

    void publishStatus(String serverId, String status) {
        publish(names.serverChannel(serverId), codec.encodeToBytes(
                new ServerMessage.ServerStatus(serverId, new ServerMessage.ServerStatus.Status(status))));
    }

    /** One batch of console lines as the daemon sends it: one XADD to the server's capped console stream. */
    void publishConsole(String serverId, List<String> consoleLines) {
        String message;
        try {
            message = json.writeValueAsString(Map.of("lines", consoleLines));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings always serializes", e);
        }
        redis.xadd(names.consoleStream(serverId), XAddParams.xAddParams().maxLen(CONSOLE_STREAM_ENTRIES).approximateTrimming(), Map.of("data", message));
    }

    private void publish(String channel, byte[] message) {
        redis.publish(channel.getBytes(StandardCharsets.UTF_8), message);
    }

    private List<Running> running() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(RUNNING);
             ResultSet rs = st.executeQuery()) {
            List<Running> result = new ArrayList<>();
            while (rs.next()) {
                result.add(new Running(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getLong(4), rs.getLong(5)));
            }
            return result;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("Live event simulator step failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
