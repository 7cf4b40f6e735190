package io.stellarrelay.relay.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.poller.PollerMain;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several relays and one poller, each in a JVM of its own as in production, on a test's database and
 * Redis namespace: every relay with its own {@code RELAY_ID} and port, the poller with its own health
 * port. All JVMs boot side by side; {@link #start} returns once every one of them is ready. Logs go to
 * {@code target/<name>-relay-<i>.log} and {@code target/<name>-poller.log}. Closing kills whatever is
 * still running.
 */
public final class ProcessStack implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One relay process. */
    public record Relay(String id, int port, JavaProcess process) {
        /** Its {@code GET /health/ready} body (status, and how many sockets it holds). */
        public JsonNode readiness() throws Exception {
            return JSON.readTree(RelayFixture.get(port, "/health/ready", null).body());
        }

        @Override
        public String toString() {
            return id + " on port " + port;
        }
    }

    private final List<Relay> relays;
    private final JavaProcess poller;

    private ProcessStack(List<Relay> relays, JavaProcess poller) {
        this.relays = List.copyOf(relays);
        this.poller = poller;
    }

    /**
     * Starts {@code relayCount} relays and a poller on {@code db} and {@code redis}; {@code env} is added
     * to the environment of all of them (give them the same {@code POLL_INTERVAL_MS}).
     */
    public static ProcessStack start(String name, TestDatabase db, TestRedis redis, int relayCount, Map<String, String> env) {
        List<Relay> relays = new ArrayList<>();
        JavaProcess poller = null;
        try {
            for (int i = 0; i < relayCount; i++) {
                String id = name + "-relay-" + i;
                int port = JavaProcess.freePort();
                Map<String, String> relayEnv = new HashMap<>(env);
                relayEnv.put("RELAY_ID", id);
                relayEnv.put("PORT", Integer.toString(port));
                relays.add(new Relay(id, port, JavaProcess.startRelay(id,
                        RelayFixture.environment(db, redis, relayEnv))));
            }
            int healthPort = JavaProcess.freePort();
            Map<String, String> pollerEnv = new HashMap<>(env);
            pollerEnv.put("POLLER_ID", name + "-poller");
            pollerEnv.put("HEALTH_PORT", Integer.toString(healthPort));
            poller = JavaProcess.startMain(name + "-poller", PollerMain.class,
                    RelayFixture.environment(db, redis, pollerEnv));
            for (Relay relay : relays) {
                relay.process().awaitHttpOk(relay.port(), "/health/ready", STARTUP);
            }
            poller.awaitHttpOk(healthPort, "/health/ready", STARTUP);
            for (Relay relay : relays) {
                if (!relay.process().isAlive()) {
                    throw new IllegalStateException(relay + " exited during startup:\n" + relay.process().output());
                }
            }
            return new ProcessStack(relays, poller);
        } catch (RuntimeException | Error e) {
            new ProcessStack(relays, poller).close();
            throw e;
        }
    }

    public List<Relay> relays() {
        return relays;
    }

    @Override
    public void close() {
        List<JavaProcess> all = new ArrayList<>();
        relays.forEach(relay -> all.add(relay.process()));
        if (poller != null) {
            all.add(poller);
        }
        for (JavaProcess process : all) {
            try {
                process.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
