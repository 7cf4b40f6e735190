package io.stellarrelay.relay;

import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.StreamingReplica;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code DATABASE_READ_URL}: a relay checks sessions and access on a real streaming replica, so a
 * session the panel has just written is known once the replica has replayed it.
 */
class ReadReplicaIT {
    private static StreamingReplica pair;
    private static TestDatabase db;
    private static TestRedis redis;
    private static RelayApp relay;

    @BeforeAll
    static void start() {
        pair = StreamingReplica.start();
        db = pair.createPanelDatabase();
        redis = TestRedis.create();
        relay = RelayFixture.startRelay(db, redis, Map.of("DATABASE_READ_URL", pair.replicaUrlOf(db)));
    }

    @AfterAll
    static void stop() {
        if (relay != null) relay.close();
        if (redis != null) redis.close();
        if (db != null) db.close();
        if (pair != null) pair.close();
    }

    private static String authenticate(String token) throws Exception {
        try (WsTestClient client = WsTestClient.connect(relay.port())) {
            client.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            return client.next();
        }
    }

    @Test
    @DisplayName("a session written on the primary is refused until the replica has it, then accepted")
    void sessionsAreReadFromTheReplica() throws Exception {
        pair.pauseReplay();
        try {
            db.execute("""
                    INSERT INTO sessions (id, "expiresAt", token, "updatedAt", "userId")
                    VALUES ('ses_new', (now() AT TIME ZONE 'UTC') + interval '1 day', 'tok-new-0123456789', now(), 'usr_owner')
                    """);
            String lagging = authenticate("tok-new-0123456789");
            assertTrue(lagging.startsWith("{\"type\":\"auth_error\""), "not on the replica yet: " + lagging);
        } finally {
            pair.resumeReplay();
        }
        pair.awaitReplayed();
        String replayed = authenticate("tok-new-0123456789");
        assertTrue(replayed.startsWith("{\"type\":\"auth_success\""), replayed);
    }
}
