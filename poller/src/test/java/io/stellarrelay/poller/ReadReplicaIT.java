package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.testing.RedisMessages;
import io.stellarrelay.testing.StreamingReplica;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code DATABASE_READ_URL}: the poller's ticks read a real streaming replica of the panel's database,
 * so what they publish is the replica's state, as old as its replication lag.
 */
class ReadReplicaIT {
    private static StreamingReplica pair;
    private static TestDatabase db;

    @BeforeAll
    static void start() {
        pair = StreamingReplica.start();
        db = pair.createPanelDatabase();
    }

    @AfterAll
    static void stop() {
        if (db != null) db.close();
        if (pair != null) pair.close();
    }

    private static String tick(Poller poller, RedisMessages channel) throws Exception {
        poller.tick();
        return channel.next();
    }

    @Test
    @DisplayName("ticks read the replica: a change on the primary reaches the sync once the replica has replayed it")
    void ticksReadTheReplica() throws Exception {
        try (TestRedis redis = TestRedis.create()) {
            redis.relayWatches("r1", Set.of(SERVER));
            Map<String, String> env = Map.of("DATABASE_URL", db.url(), "DATABASE_READ_URL", pair.replicaUrlOf(db),
                    "REDIS_URL", redis.url(), "REDIS_PREFIX", redis.prefix(), "HEALTH_PORT", "0");
            try (Poller poller = Poller.create(PollerConfig.fromEnvironment(env));
                 RedisMessages channel = new RedisMessages(redis.url(), new RedisNames(redis.prefix()).serverChannel(SERVER))) {
                assertTrue(tick(poller, channel).contains("\"name\":\"my-server\""));

                pair.pauseReplay();
                try {
                    db.execute("UPDATE servers SET name = 'renamed-on-primary', \"updatedAt\" = now() AT TIME ZONE 'UTC'"
                            + " WHERE id = '" + SERVER + "'");
                    String lagging = tick(poller, channel);
                    assertTrue(lagging.contains("\"name\":\"my-server\""), "the replica has not replayed it: " + lagging);
                } finally {
                    pair.resumeReplay();
                }
                pair.awaitReplayed();
                String caughtUp = tick(poller, channel);
                assertTrue(caughtUp.contains("\"name\":\"renamed-on-primary\""), caughtUp);
            }
        }
    }
}
