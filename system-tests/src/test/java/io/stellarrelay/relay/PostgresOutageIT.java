package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PollPeriods;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.StderrCapture;
import io.stellarrelay.relay.support.SyncTally;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PrivatePostgres;
import io.stellarrelay.testing.TestDatabase;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.STRANGER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL goes down under a running relay and poller, and comes back: a private PostgreSQL,
 * stopped and started again on the same port with the same data.
 */
class PostgresOutageIT {
    private static final long INTERVAL_MS = 400;
    private static final String AUTH_UNAVAILABLE =
            "{\"type\":\"auth_error\",\"error\":\"Authentication is temporarily unavailable, try again shortly\"}";
    private static final String ACCESS_CHECK_UNAVAILABLE =
            "{\"type\":\"error\",\"error\":\"Access check is temporarily unavailable, try again shortly\"}";
    /** The poller's log lines for an outage and for its end. */
    private static final String POLLER_FAILED = "Poller tick failed";
    private static final String POLLER_RECOVERED = "Poller recovered";
    private static final String RELAY_DB_DOWN = "Panel database unavailable";
    private static final String RELAY_DB_BACK = "Panel database reachable again";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PrivatePostgres postgres;
    private static TestDatabase db;
    private static TestRedis redis;
    private static RelayApp relay;
    private static Poller poller;

    @BeforeAll
    static void start() {
        postgres = PrivatePostgres.start();
        db = postgres.createPanelDatabase();
        redis = TestRedis.create();
        Map<String, String> env = Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS));
        relay = RelayFixture.startRelay(db, redis, env);
        poller = Poller.create(PollerConfig.fromEnvironment(RelayFixture.environment(db, redis, env))).start();
    }

    @AfterAll
    static void stop() {
        if (poller != null) poller.close();
        if (relay != null) relay.close();
        if (redis != null) redis.close();
        if (postgres != null) {
            if (db != null && postgres.isRunning()) db.close();
            postgres.close();
        }
    }

    private static String subscribe(String serverId) {
        return "{\"type\":\"subscribe\",\"serverId\":\"" + serverId + "\"}";
    }

    private static JsonNode ready() throws Exception {
        HttpResponse<String> response = RelayFixture.get(relay.port(), "/health/ready", null);
        JsonNode body = JSON.readTree(response.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("httpStatus", response.statusCode());
        return body;
    }

    @Test
    @DisplayName("while PostgreSQL is down the poller logs the outage once, logins and subscribes get a prompt "
            + "temporary error and readiness says the database is down; once it is back every tick reaches "
            + "every watching client again")
    void postgresOutageAndRecovery() throws Exception {
        PollPeriods periods = new PollPeriods(redis.client(), new RedisNames(redis.prefix()), INTERVAL_MS);
        List<SyncTally> watchers = new ArrayList<>();
        watchers.add(SyncTally.connect("owner", relay.port(), OWNER_TOKEN, SERVER));
        watchers.add(SyncTally.connect("member", relay.port(), MEMBER_TOKEN, SERVER));
        watchers.add(SyncTally.connect("admin", relay.port(), ADMIN_TOKEN, SERVER, OTHER_SERVER));
        // Authenticated before the outage, subscribes during it.
        WsTestClient latecomer = WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("last-tick-sampler").daemon().factory());
        try (latecomer; StderrCapture log = StderrCapture.start()) {
            assertTrue(latecomer.next().contains("auth_success"));
            for (SyncTally watcher : watchers) {
                watcher.awaitFirstSyncs();
            }
            JsonNode before = ready();
            assertEquals(200, before.path("httpStatus").asInt(), before.toString());
            assertEquals("up", before.path("database").asText());

            // PostgreSQL goes down.
            postgres.stop();
            long stoppedAt = System.nanoTime();
            long periodAtStop = periods.currentPeriod();
            // Tick attempts while it is down: each claims a new period ({prefix}:poller:last-tick).
            long claimedAtStop = periods.lastTick();
            AtomicBoolean down = new AtomicBoolean(true);
            Set<Long> claimedDuringOutage = new ConcurrentSkipListSet<>();
            sampler.scheduleAtFixedRate(() -> {
                long claimed = periods.lastTick();
                if (claimed > claimedAtStop && down.get()) {
                    claimedDuringOutage.add(claimed);
                }
            }, 0, 20, TimeUnit.MILLISECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> log.count(POLLER_FAILED) >= 1);
            // Nothing is published while the poller cannot query: counts from here on are exact.
            long ticksAtOutage = poller.ticksRun();
            for (SyncTally watcher : watchers) {
                watcher.drain();
            }
            Map<SyncTally, Map<String, Long>> baseline = new HashMap<>();
            for (SyncTally watcher : watchers) {
                baseline.put(watcher, watcher.counts());
            }

            long loginAnsweredMs;
            // (b) A login during the outage: a temporary error within a few seconds, and the socket stays open.
            try (WsTestClient login = WsTestClient.connect(relay.port())) {
                long sent = System.nanoTime();
                // A session the relay has not confirmed yet: confirmed ones are answered from its cache.
                login.send("{\"type\":\"auth\",\"token\":\"" + STRANGER_TOKEN + "\"}");
                assertEquals(AUTH_UNAVAILABLE, login.next());
                loginAnsweredMs = (System.nanoTime() - sent) / 1_000_000;
                assertTrue(loginAnsweredMs <= 4_000, "auth answered after " + loginAnsweredMs + " ms");
                assertEquals("{\"type\":\"pong\"}", pingPong(login), "the socket is still served");
            }
            // ... and a subscribe of an authenticated socket gets the access-check temporary error.
            long sent = System.nanoTime();
            latecomer.send(subscribe(OTHER_SERVER)); // a pair never checked before, so not in the relay's cache
            assertEquals(ACCESS_CHECK_UNAVAILABLE, latecomer.next());
            long subscribeAnsweredMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(subscribeAnsweredMs <= 4_000, "subscribe answered after " + subscribeAnsweredMs + " ms");

            // (d) Readiness says which part is down.
            JsonNode during = ready();
            assertEquals(503, during.path("httpStatus").asInt(), during.toString());
            assertEquals("down", during.path("database").asText(), during.toString());
            assertEquals("not ready", during.path("status").asText(), during.toString());

            // (a) The outage lasts several ticks, each tried and failed.
            await().atMost(Duration.ofSeconds(15)).until(() -> claimedDuringOutage.size() >= 3
                    && periods.currentPeriod() - periodAtStop >= 5);
            List<String> pollerLogWhileDown = log.matching(" Poller - ");
            assertEquals(ticksAtOutage, poller.ticksRun(), "no tick succeeded while PostgreSQL was down");
            for (SyncTally watcher : watchers) {
                watcher.drain();
                assertEquals(baseline.get(watcher), watcher.counts(), watcher + " got no sync while down");
                assertTrue(watcher.client().isOpen(), watcher + " keeps its socket");
            }
            long outageMs = (System.nanoTime() - stoppedAt) / 1_000_000;

            // (c) PostgreSQL comes back on the same port with the same data.
            down.set(false);
            postgres.restart();
            long restartedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> poller.ticksRun() > ticksAtOutage);
            long firstTickAfterMs = (System.nanoTime() - restartedAt) / 1_000_000;
            // Every tick from the first one after the restart reaches every client, once.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                long ticks = poller.ticksRun() - ticksAtOutage;
                for (SyncTally watcher : watchers) {
                    watcher.drain();
                }
                assertTrue(ticks >= 4, "ticks since recovery: " + ticks);
                for (SyncTally watcher : watchers) {
                    assertEquals(watcher.expected(ticks), watcher.since(baseline.get(watcher)),
                            watcher + ": one sync per tick since PostgreSQL came back");
                }
            });
            for (SyncTally watcher : watchers) {
                assertEquals(List.of(), watcher.otherFrames(), watcher + " saw only syncs");
            }

            // The relay answers again (bounded retries: its pool reconnects on its own schedule):
            // login, subscribe on the socket that was refused, readiness.
            try (WsTestClient login = WsTestClient.connect(relay.port())) {
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    login.send("{\"type\":\"auth\",\"token\":\"" + STRANGER_TOKEN + "\"}");
                    String reply = login.next();
                    assertTrue(reply.equals(AUTH_UNAVAILABLE) || reply.contains("auth_success"), reply);
                    return reply.contains("auth_success");
                });
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                latecomer.send(subscribe(SERVER));
                String reply = latecomer.next();
                assertTrue(reply.equals(ACCESS_CHECK_UNAVAILABLE) || reply.contains("subscribed"), reply);
                return reply.equals("{\"type\":\"subscribed\",\"serverId\":\"" + SERVER + "\"}");
            });
            latecomer.awaitSync(SERVER);
            await().atMost(Duration.ofSeconds(15)).until(() -> ready().path("httpStatus").asInt() == 200);
            assertEquals("up", ready().path("database").asText());

            System.out.printf("PostgresOutageIT: outage %d ms, %d tick attempts failed, login answered in %d ms "
                    + "and subscribe in %d ms during it; first tick %d ms after the restart%n", outageMs,
                    claimedDuringOutage.size(), loginAnsweredMs, subscribeAnsweredMs, firstTickAfterMs);
            // (a) The outage was logged once while it lasted, the recovery once after the restart; the relay
            // too logged each once. Checked together, so that one report shows every deviation.
            List<String> pollerLog = log.matching(" Poller - ");
            assertAll(
                    () -> assertEquals(1, count(pollerLogWhileDown, POLLER_FAILED),
                            "outage logged once while it lasted several ticks: " + pollerLogWhileDown),
                    () -> assertEquals(0, count(pollerLogWhileDown, POLLER_RECOVERED),
                            "no recovery logged while PostgreSQL was down: " + pollerLogWhileDown),
                    () -> assertEquals(1, count(pollerLog, POLLER_FAILED), "outage logged once: " + pollerLog),
                    () -> assertEquals(1, count(pollerLog, POLLER_RECOVERED), "recovery logged once: " + pollerLog),
                    () -> assertEquals(1, log.count(RELAY_DB_DOWN), log.matching("Panel database").toString()),
                    () -> assertEquals(1, log.count(RELAY_DB_BACK), log.matching("Panel database").toString()),
                    // Failure modes: "Next tick after PostgreSQL answers".
                    () -> assertTrue(firstTickAfterMs <= 2 * INTERVAL_MS + 500, "syncs resumed " + firstTickAfterMs
                            + " ms after PostgreSQL answered; the next tick was due within " + INTERVAL_MS + " ms"));
        } finally {
            sampler.shutdownNow();
            for (SyncTally watcher : watchers) {
                watcher.client().close();
            }
        }
    }

    private static long count(List<String> lines, String fragment) {
        return lines.stream().filter(line -> line.contains(fragment)).count();
    }

    private static String pingPong(WsTestClient client) throws InterruptedException {
        client.send("{\"type\":\"ping\"}");
        return client.next();
    }
}
