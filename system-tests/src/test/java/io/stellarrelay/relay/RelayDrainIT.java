package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.JavaProcess;
import io.stellarrelay.relay.support.PollPeriods;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.SyncTally;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.ScratchServices;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart: relay A (a separate process) gets SIGTERM while relay B and the poller keep
 * running. A drains: not ready, no new sockets, 1012 to every client, watch set withdrawn, exit in time.
 * The test plays the load balancer and sends each client that A closed to B.
 */
class RelayDrainIT {
    private static final long INTERVAL_MS = 400;
    private static final long SHUTDOWN_TIMEOUT_MS = 5000;
    /** One socket per batch, 200 ms apart: the drain lasts long enough to watch it happen. */
    private static final int DRAIN_BATCH_SIZE = 1;
    private static final long DRAIN_BATCH_INTERVAL_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp relayB;
    private static Poller poller;

    @BeforeAll
    static void start() {
        Map<String, String> env = Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS));
        relayB = RelayFixture.startRelay(services.db(), services.redis(), env);
        poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(services.db(), services.redis(), env))).start();
    }

    @AfterAll
    static void stop() {
        if (poller != null) poller.close();
        if (relayB != null) relayB.close();
    }

    private record KeySample(long atNanos, long pttl) {}

    @Test
    @DisplayName("a relay given SIGTERM stops being ready, refuses new sockets, closes every client with 1012, "
            + "withdraws its watch set and exits in time; its clients resume on the other relay and no client "
            + "misses a tick")
    void drainsToTheOtherRelay() throws Exception {
        RedisNames names = new RedisNames(services.redis().prefix());
        PollPeriods periods = new PollPeriods(services.redis().client(), names, INTERVAL_MS);
        String relayAId = "drain-a-" + UUID.randomUUID().toString().substring(0, 8);
        String watchKey = names.relayWatchKey(relayAId);
        int portA = JavaProcess.freePort();
        List<SyncTally> onA = new ArrayList<>();
        List<SyncTally> onB = new ArrayList<>();
        ExecutorService loadBalancer = Executors.newVirtualThreadPerTaskExecutor();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("watch-key-sampler").daemon().factory());
        try (JavaProcess relayA = JavaProcess.startRelay("relay-drain-it-a", RelayFixture.environment(services.db(), services.redis(), Map.of(
                "PORT", Integer.toString(portA),
                "RELAY_ID", relayAId,
                "POLL_INTERVAL_MS", Long.toString(INTERVAL_MS),
                "SHUTDOWN_TIMEOUT_MS", Long.toString(SHUTDOWN_TIMEOUT_MS),
                "DRAIN_BATCH_SIZE", Integer.toString(DRAIN_BATCH_SIZE),
                "DRAIN_BATCH_INTERVAL_MS", Long.toString(DRAIN_BATCH_INTERVAL_MS))))) {
            relayA.awaitHttpOk(portA, "/health/ready", Duration.ofSeconds(20));

            onA.add(SyncTally.connect("owner@A", portA, OWNER_TOKEN, SERVER));
            onA.add(SyncTally.connect("member@A", portA, MEMBER_TOKEN, SERVER));
            onA.add(SyncTally.connect("admin@A", portA, ADMIN_TOKEN, SERVER, OTHER_SERVER));
            onA.add(SyncTally.connect("owner2@A", portA, OWNER_TOKEN, SERVER));
            onB.add(SyncTally.connect("owner@B", relayB.port(), OWNER_TOKEN, SERVER));
            onB.add(SyncTally.connect("admin@B", relayB.port(), ADMIN_TOKEN, SERVER, OTHER_SERVER));
            for (SyncTally client : onA) {
                client.awaitFirstSyncs();
            }
            for (SyncTally client : onB) {
                client.awaitFirstSyncs();
            }
            assertEquals(Set.of(SERVER, OTHER_SERVER), services.redis().client().smembers(watchKey));
            assertTrue(services.redis().client().sismember(names.relayIndexKey(), relayAId));

            // Clients on B count from a quiet moment before the SIGTERM to the end.
            Map<SyncTally, Map<String, Long>> baselineB = new HashMap<>();
            long ticksBeforeDrain = periods.quietly(() -> {
                long ticks = poller.ticksRun();
                for (SyncTally client : onB) {
                    client.drain();
                    baselineB.put(client, client.counts());
                }
                return ticks;
            });

            // The watch set's remaining lifetime, sampled until it is gone.
            List<KeySample> watchKeySamples = new CopyOnWriteArrayList<>();
            sampler.scheduleAtFixedRate(() -> watchKeySamples.add(
                    new KeySample(System.nanoTime(), services.redis().client().pttl(watchKey))), 0, 10, TimeUnit.MILLISECONDS);

            // SIGTERM. The load balancer sends every client A closes to B.
            List<CompletableFuture<Integer>> moved = new ArrayList<>();
            List<Long> closedAt = new CopyOnWriteArrayList<>();
            relayA.terminate();
            long terminatedAt = System.nanoTime();
            for (SyncTally client : onA) {
                WsTestClient socketOnA = client.client();
                moved.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        int code = socketOnA.awaitClose();
                        closedAt.add(System.nanoTime());
                        client.reconnect(relayB.port());
                        return code;
                    } catch (Exception e) {
                        throw new IllegalStateException(client + " could not move to B", e);
                    }
                }, loadBalancer));
            }

            // While it drains, A says so and refuses new sockets.
            HttpResponse<String> draining = await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
                    .ignoreExceptions()
                    .until(() -> RelayFixture.get(portA, "/health/ready", null), r -> r.statusCode() == 503);
            JsonNode drainingBody = JSON.readTree(draining.body());
            assertEquals("draining", drainingBody.path("status").asText(), draining.body());
            ExecutionException refused = assertThrows(ExecutionException.class, () -> WsTestClient.connect(portA));
            assertEquals(503, assertInstanceOf(UpgradeException.class, refused.getCause()).getResponseStatusCode());

            // A exits within its shutdown timeout (plus the JVM's own exit).
            assertTrue(relayA.waitFor(Duration.ofMillis(SHUTDOWN_TIMEOUT_MS + 5000)), "relay A did not exit");
            long exitedAfterMs = (System.nanoTime() - terminatedAt) / 1_000_000;
            assertTrue(exitedAfterMs <= SHUTDOWN_TIMEOUT_MS + 1500,
                    "relay A exited " + exitedAfterMs + " ms after SIGTERM; SHUTDOWN_TIMEOUT_MS is " + SHUTDOWN_TIMEOUT_MS);
            assertTrue(relayA.output().contains("draining: closing 4 sockets"), relayA.output());

            // Every client of A was closed with 1012, in batches, and is now on B.
            List<Integer> codes = new ArrayList<>();
            for (CompletableFuture<Integer> move : moved) {
                codes.add(move.get(15, TimeUnit.SECONDS));
            }
            assertEquals(List.of(1012, 1012, 1012, 1012), codes);
            long closeSpreadMs = (closedAt.stream().mapToLong(Long::longValue).max().orElseThrow()
                    - closedAt.stream().mapToLong(Long::longValue).min().orElseThrow()) / 1_000_000;
            assertTrue(closeSpreadMs >= (onA.size() - 1) * DRAIN_BATCH_INTERVAL_MS / 2,
                    "closes were spread over " + closeSpreadMs + " ms; batches of " + DRAIN_BATCH_SIZE + " every "
                            + DRAIN_BATCH_INTERVAL_MS + " ms");

            // A's watch set was withdrawn, not left to expire: gone while it still had most of its lease.
            sampler.shutdown();
            assertTrue(sampler.awaitTermination(5, TimeUnit.SECONDS));
            assertFalse(services.redis().client().exists(watchKey), "A's watch set is gone once A has exited");
            assertFalse(services.redis().client().sismember(names.relayIndexKey(), relayAId), "A is out of the relay index");
            KeySample lastAlive = null;
            KeySample firstGone = null;
            for (KeySample sample : watchKeySamples) {
                if (sample.pttl() > 0) {
                    lastAlive = sample;
                } else if (lastAlive != null && sample.pttl() == -2) {
                    firstGone = sample;
                    break;
                }
            }
            assertTrue(lastAlive != null && firstGone != null, "watch set samples: " + watchKeySamples);
            long leftMs = lastAlive.pttl() - (firstGone.atNanos() - lastAlive.atNanos()) / 1_000_000;
            assertTrue(leftMs >= 2 * INTERVAL_MS / 4, "the watch set vanished with " + leftMs
                    + " ms of its lease left at most: removed, not expired");
            long goneAfterMs = (firstGone.atNanos() - terminatedAt) / 1_000_000;
            assertTrue(goneAfterMs <= exitedAfterMs + 50, "the watch set went " + goneAfterMs + " ms after SIGTERM");

            // The moved clients get a sync for every tick from a quiet moment after their move; the clients
            // that were on B all along got one for every tick since before the SIGTERM.
            for (SyncTally client : onA) {
                client.awaitFirstSyncs();
            }
            Map<SyncTally, Map<String, Long>> baselineMoved = new HashMap<>();
            long ticksAfterMove = periods.quietly(() -> {
                long ticks = poller.ticksRun();
                for (SyncTally client : onA) {
                    client.drain();
                    baselineMoved.put(client, client.counts());
                }
                return ticks;
            });
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                long ticks = poller.ticksRun();
                for (SyncTally client : onA) {
                    client.drain();
                }
                for (SyncTally client : onB) {
                    client.drain();
                }
                assertTrue(ticks - ticksAfterMove >= 3, "ticks since the move: " + (ticks - ticksAfterMove));
                for (SyncTally client : onA) {
                    assertEquals(client.expected(ticks - ticksAfterMove), client.since(baselineMoved.get(client)),
                            client + " (moved to B): one sync per tick");
                }
                for (SyncTally client : onB) {
                    assertEquals(client.expected(ticks - ticksBeforeDrain), client.since(baselineB.get(client)),
                            client + " (on B throughout): one sync per tick");
                }
            });
            for (SyncTally client : onA) {
                assertEquals(List.of(), client.otherFrames(), client + " saw only syncs on B");
            }
            for (SyncTally client : onB) {
                assertEquals(List.of(), client.otherFrames(), client + " saw only syncs");
            }
            assertEquals(onA.size() + onB.size(), relayB.connectionCount());
            System.out.printf("RelayDrainIT: A exited %d ms after SIGTERM, closes spread over %d ms, watch set "
                    + "gone after %d ms with %d ms of lease left; %d ticks seen by clients on B throughout%n",
                    exitedAfterMs, closeSpreadMs, goneAfterMs, leftMs, poller.ticksRun() - ticksBeforeDrain);
        } finally {
            sampler.shutdownNow();
            loadBalancer.shutdownNow();
            for (SyncTally client : onA) {
                client.client().close();
            }
            for (SyncTally client : onB) {
                client.client().close();
            }
        }
    }
}
