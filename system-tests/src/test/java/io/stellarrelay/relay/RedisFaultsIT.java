package io.stellarrelay.relay;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.support.PrivateRedis;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.TcpProxy;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.PrometheusText;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.LongPredicate;

import static io.stellarrelay.relay.support.RelayFixture.cookieHeader;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Redis faults against real processes the test starts itself: a private redis-server on a free port
 * (stopped, restarted, or told to drop connections) and, for the half-open case, a TCP proxy between
 * the relay and that Redis which can freeze its connections. What is asserted is that nothing is lost
 * that should have arrived: sockets stay open, syncs resume within the bounds the README documents, and
 * from then on every tick the poller runs reaches every watching client exactly once.
 *
 * <p>Counting works on the poller's own clock: ticks start just after each period boundary (periods are
 * numbered on Redis's clock), so in the middle of a period nothing is in flight. There, a ping round trip
 * on every socket collects everything the relay had sent it, and {@link Poller#ticksRun()} tells how many
 * ticks produced it. Between two such moments each client must have received exactly one sync per tick.
 */
class RedisFaultsIT {
    private static final Logger log = LoggerFactory.getLogger(RedisFaultsIT.class);

    private static final long INTERVAL_MS = 400;
    private static final Duration INTERVAL = Duration.ofMillis(INTERVAL_MS);
    /** README: deliveries resume within about 2 s of Redis answering (reconnect backoff capped at 2 s). */
    private static final Duration RECONNECT_BOUND = Duration.ofSeconds(2);
    /** README: a silently dead pub/sub connection is detected within 6 s. */
    private static final Duration DETECTION_BOUND = Duration.ofSeconds(6);
    /** Scheduling, connection setup and delivery on a loaded machine, on top of the documented bounds. */
    private static final Duration SLACK = Duration.ofMillis(600);
    /** Consecutive ticks checked one by one after each recovery. */
    private static final int TICKS_CHECKED = 5;
    private static final String SYNC_PREFIX = "{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\"";

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel().withoutRedis();

    @AfterAll
    static void dropDatabase() {
    }

    @Test
    @DisplayName("when Redis restarts, clients on two relays keep their sockets, get a sync within the reconnect "
            + "bound plus one interval of Redis answering, and then exactly one sync per tick")
    void redisRestart() throws Exception {
        try (Stack stack = Stack.start(2, false)) {
            RelayApp relayA = stack.relays.get(0);
            RelayApp relayB = stack.relays.get(1);
            stack.owner(relayA);
            stack.member(relayB);
            stack.assertEveryTickReachesEveryClient(2); // the counting holds before the fault

            stack.redis.stop();
            // Both relays notice; then, for a couple of intervals, no tick can run and no socket is closed.
            await().atMost(WsTestClient.WAIT).ignoreExceptions()
                    .until(() -> readiness(relayA).statusCode() == 503 && readiness(relayB).statusCode() == 503);
            long ticksWhileDown = stack.poller.ticksRun();
            await().during(INTERVAL.multipliedBy(5).dividedBy(2)).atMost(INTERVAL.multipliedBy(5))
                    .until(() -> stack.poller.ticksRun() == ticksWhileDown && stack.allOpen());
            long[] mark = stack.mark();

            stack.redis.startAgain();
            long upAt = System.nanoTime();
            Duration firstSync = stack.awaitSyncOnEveryClient(mark, upAt, RECONNECT_BOUND.plus(INTERVAL).plus(SLACK));
            log.info("Redis restart: first sync on every client {} ms after Redis answered", firstSync.toMillis());
            // Each relay repairs its gap; Redis came back empty, so that asks the poller for syncs outside the
            // ticks. They are answered, or the requests expire (two intervals), before the counting resumes.
            String requests = new RedisNames(stack.prefix).syncRequestsKey();
            await().atMost(WsTestClient.WAIT).until(() -> stack.relays.stream().allMatch(
                    r -> PrometheusText.scrape(r.port()).value("stellar_relay_pubsub_gaps_total") >= 1));
            await().atMost(INTERVAL.multipliedBy(3)).until(() -> !stack.redis.admin(j -> j.exists(requests)));

            assertTrue(stack.allOpen(), "no socket was closed by the outage");
            assertEquals(1, relayA.connectionCount());
            assertEquals(1, relayB.connectionCount());
            assertEquals(1, relayA.watcherCount(SERVER));
            assertEquals(1, relayB.watcherCount(SERVER));
            stack.assertEveryTickReachesEveryClient(TICKS_CHECKED);
        }
    }

    @Test
    @DisplayName("when Redis drops the relay's pub/sub connection (CLIENT KILL TYPE pubsub), deliveries resume "
            + "within the reconnect bound and every later tick reaches every client")
    void pubsubConnectionKilled() throws Exception {
        try (Stack stack = Stack.start(1, false)) {
            RelayApp relay = stack.relays.get(0);
            stack.owner(relay);
            stack.member(relay);
            stack.assertEveryTickReachesEveryClient(2);

            // In the quiet middle of a period, right after the last check: no sync is in flight.
            stack.quietMoment(Long.MIN_VALUE);
            assertEquals(1, stack.redis.killPubsubClients(), "the relay's one subscriber connection is killed");
            long killedAt = System.nanoTime();
            long[] mark = stack.mark();

            Duration resumed = stack.awaitSyncOnEveryClient(mark, killedAt, RECONNECT_BOUND.plus(INTERVAL).plus(SLACK));
            log.info("CLIENT KILL TYPE pubsub: first sync on every client {} ms after the kill", resumed.toMillis());
            assertEquals(1, stack.redis.pubsubClientCount(), "the relay subscribed again, once");
            assertTrue(stack.allOpen(), "no socket was closed");
            assertEquals(2, relay.connectionCount());
            stack.assertEveryTickReachesEveryClient(TICKS_CHECKED);
        }
    }

    @Test
    @DisplayName("a pub/sub connection that silently stops delivering (half-open path) is found by the relay's "
            + "probe within 6 s and replaced; syncs resume and every later tick reaches every client")
    void halfOpenSubscription() throws Exception {
        try (Stack stack = Stack.start(1, true)) {
            RelayApp relay = stack.relays.get(0);
            stack.owner(relay);
            stack.member(relay);
            stack.assertEveryTickReachesEveryClient(2);
            assertEquals(1, stack.redis.pubsubClientCount());

            stack.quietMoment(Long.MIN_VALUE);
            int frozen = stack.proxy.freeze();
            long frozenAt = System.nanoTime();
            int acceptedAtFreeze = stack.proxy.acceptedCount();
            assertTrue(frozen >= 2, "the relay's subscriber and command connections are frozen, got " + frozen);
            long[] mark = stack.mark();

            // The path is dead: the poller (not behind the proxy) keeps ticking, nothing reaches the clients.
            long ticksAtFreeze = stack.poller.ticksRun();
            await().atMost(WsTestClient.WAIT).until(() -> stack.poller.ticksRun() >= ticksAtFreeze + 3);
            assertArrayEquals(mark, stack.mark(), "nothing crosses the frozen path");

            // Found by the probe: the relay opens a new subscriber connection through the proxy while the
            // old one is still open (Redis sees both).
            Duration detected = awaitSince(frozenAt, DETECTION_BOUND.plus(SLACK),
                    () -> stack.redis.pubsubClientCount() == 2);
            log.info("Half-open pub/sub: {} connections frozen; new subscriber connection {} ms after the freeze",
                    frozen, detected.toMillis());
            Duration resumed = stack.awaitSyncOnEveryClient(mark, frozenAt,
                    DETECTION_BOUND.plus(RECONNECT_BOUND).plus(INTERVAL).plus(SLACK));
            log.info("Half-open pub/sub: first sync on every client {} ms after the freeze", resumed.toMillis());
            assertTrue(stack.proxy.acceptedCount() > acceptedAtFreeze, "the relay reconnected through the proxy");
            assertTrue(stack.proxy.frozenOpenCount() >= 1, "the dead path is still open: the relay found it itself");
            assertTrue(stack.allOpen(), "no socket was closed");
            assertEquals(2, relay.connectionCount());

            stack.assertEveryTickReachesEveryClient(TICKS_CHECKED);
            assertTrue(stack.proxy.frozenOpenCount() >= 1, "the old connection stayed frozen throughout");
        }
    }

    @Test
    @DisplayName("/health/ready answers 200 while Redis is up, 503 naming Redis and pub/sub as down while it is "
            + "stopped, and 200 again once it is back")
    void readinessFollowsRedis() throws Exception {
        try (Stack stack = Stack.start(1, false)) {
            RelayApp relay = stack.relays.get(0);
            await().atMost(WsTestClient.WAIT).ignoreExceptions().until(() -> readiness(relay).statusCode() == 200);
            assertAllUp(readiness(relay));

            stack.redis.stop();
            await().atMost(WsTestClient.WAIT).ignoreExceptions().until(() -> {
                HttpResponse<String> r = readiness(relay);
                return r.statusCode() == 503 && r.body().contains("\"status\":\"not ready\"")
                        && r.body().contains("\"redis\":\"down\"") && r.body().contains("\"pubsub\":\"down\"");
            });
            // And it stays so for as long as Redis is down.
            await().during(INTERVAL.multipliedBy(3)).atMost(INTERVAL.multipliedBy(6)).until(() -> {
                HttpResponse<String> r = readiness(relay);
                return r.statusCode() == 503 && r.body().contains("\"status\":\"not ready\"")
                        && (r.body().contains("\"redis\":\"down\"") || r.body().contains("\"pubsub\":\"down\""))
                        && r.body().contains("\"database\":\"up\"");
            });

            stack.redis.startAgain();
            long upAt = System.nanoTime();
            Duration ready = awaitSince(upAt, RECONNECT_BOUND.plus(SLACK), () -> readiness(relay).statusCode() == 200);
            log.info("Readiness: 200 again {} ms after Redis answered", ready.toMillis());
            assertAllUp(readiness(relay));
        }
    }

    private static void assertAllUp(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        for (String part : List.of("\"status\":\"ready\"", "\"redis\":\"up\"", "\"pubsub\":\"up\"",
                "\"database\":\"up\"")) {
            assertTrue(response.body().contains(part), "expected " + part + " in " + response.body());
        }
    }

    private static HttpResponse<String> readiness(RelayApp relay) throws Exception {
        return RelayFixture.get(relay.port(), "/health/ready", null);
    }

    /** Waits until {@code condition} holds, at most {@code bound} after {@code since}; returns the time taken. */
    private static Duration awaitSince(long since, Duration bound, Callable<Boolean> condition) {
        Duration left = bound.minusNanos(System.nanoTime() - since);
        if (left.isNegative() || left.isZero()) {
            fail("the bound of " + bound.toMillis() + " ms had passed before waiting started");
        }
        await().atMost(left).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).ignoreExceptions()
                .until(condition);
        return Duration.ofNanos(System.nanoTime() - since);
    }

    private static long period(long redisMillis) {
        return Math.floorDiv(redisMillis, INTERVAL_MS);
    }

    /** Where in its poll period a moment lies, from 0 (the period starts, the tick runs) to 1. */
    private static double phase(long redisMillis) {
        return (double) Math.floorMod(redisMillis, INTERVAL_MS) / INTERVAL_MS;
    }

    /** What the clients had received, and how many ticks the poller had run, at one quiet moment. */
    private record Snapshot(long period, long ticks, long[] syncs) {}

    /** One watching client: counts the syncs it receives and keeps anything else it did not expect. */
    private static final class Client implements AutoCloseable {
        final String name;
        final WsTestClient ws;
        private String sync; // the frame every tick carries (the server does not change during a test)
        private long syncs;
        private final List<String> unexpected = new ArrayList<>();

        Client(String name, WsTestClient ws) {
            this.name = name;
            this.ws = ws;
        }

        /** Subscribes to {@link PanelFixtures#SERVER} and takes the first sync. */
        synchronized void subscribe() throws Exception {
            ws.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"" + SERVER + "\"}", ws.next(), name);
            sync = ws.next();
            assertTrue(sync.startsWith(SYNC_PREFIX) && sync.contains("\"name\":\"my-server\""), name + ": " + sync);
            syncs = 1;
        }

        private void absorb(List<String> frames) {
            for (String frame : frames) {
                if (frame.equals(sync)) {
                    syncs++;
                } else {
                    unexpected.add(frame);
                }
            }
        }

        /** Counts every frame received so far. */
        synchronized long poll() {
            absorb(ws.takeReceived());
            return syncs;
        }

        /** Counts everything the relay had sent this socket when it answered a ping. */
        synchronized void drain() throws InterruptedException {
            absorb(ws.drainUntilPong());
            assertEquals(List.of(), unexpected, name + " received frames other than the server's sync");
        }

        synchronized long syncs() {
            return syncs;
        }

        @Override
        public void close() {
            ws.close();
        }
    }

    /** A private Redis, relays (directly on it or behind a proxy), one poller, and the clients. */
    private static final class Stack implements AutoCloseable {
        final PrivateRedis redis;
        final String prefix = "faults" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        TcpProxy proxy; // between the relays and Redis, when asked for
        final List<RelayApp> relays = new ArrayList<>();
        Poller poller;
        final List<Client> clients = new ArrayList<>();

        private Stack(PrivateRedis redis) {
            this.redis = redis;
        }

        /** Relays on the private Redis (through a proxy when {@code throughProxy}) and a poller on it directly. */
        static Stack start(int relayCount, boolean throughProxy) throws Exception {
            Stack stack = new Stack(PrivateRedis.start());
            try {
                String relayRedisUrl = stack.redis.url();
                if (throughProxy) {
                    stack.proxy = TcpProxy.start("127.0.0.1", stack.redis.port());
                    relayRedisUrl = "redis://127.0.0.1:" + stack.proxy.port();
                }
                for (int i = 0; i < relayCount; i++) {
                    stack.relays.add(RelayApp.create(RelayConfig.fromEnvironment(stack.environment(relayRedisUrl)))
                            .start());
                }
                stack.poller = Poller.create(PollerConfig.fromEnvironment(stack.environment(stack.redis.url())))
                        .start();
                return stack;
            } catch (Exception | Error e) {
                stack.close();
                throw e;
            }
        }

        /** What {@link RelayFixture#environment} gives, on the private Redis under a fresh prefix. */
        private Map<String, String> environment(String redisUrl) {
            return RelayFixture.environment(services.db(), redisUrl, prefix, Map.of("POLL_INTERVAL_MS", Long.toString(INTERVAL_MS)));
        }

        /** The server's owner, authenticated by the session cookie, subscribed and synced once. */
        Client owner(RelayApp relay) throws Exception {
            Client client = new Client("owner on relay " + relays.indexOf(relay),
                    WsTestClient.connect(relay.port(), cookieHeader(OWNER_TOKEN)));
            clients.add(client);
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"" + PanelFixtures.OWNER + "\"}", client.ws.next());
            client.subscribe();
            return client;
        }

        /** A member of the server, authenticated by token, subscribed and synced once. */
        Client member(RelayApp relay) throws Exception {
            Client client = new Client("member on relay " + relays.indexOf(relay), WsTestClient.connect(relay.port()));
            clients.add(client);
            client.ws.send("{\"type\":\"auth\",\"token\":\"" + MEMBER_TOKEN + "\"}");
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"" + PanelFixtures.MEMBER + "\"}", client.ws.next());
            client.subscribe();
            return client;
        }

        boolean allOpen() {
            return clients.stream().allMatch(c -> c.ws.isOpen());
        }

        /** Every client's sync count, after taking in everything received so far. */
        long[] mark() {
            return clients.stream().mapToLong(Client::poll).toArray();
        }

        /**
         * Waits until every client has received a sync beyond {@code mark}, at most {@code bound} after
         * {@code since}; returns the time from {@code since}.
         */
        Duration awaitSyncOnEveryClient(long[] mark, long since, Duration bound) {
            return awaitSince(since, bound, () -> {
                long[] now = mark();
                for (int i = 0; i < now.length; i++) {
                    if (now[i] <= mark[i]) {
                        return false;
                    }
                }
                return true;
            });
        }

        /** Waits for Redis's clock to reach a moment that {@code test} accepts; returns it. */
        private long awaitRedisTime(LongPredicate test) {
            return await().atMost(INTERVAL.multipliedBy(3)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(5)).until(redis::timeMillis, test::test);
        }

        /**
         * A moment, in a period after {@code afterPeriod}, when no tick is in flight, with every client's
         * count taken by a ping round trip: the tick of the period ran at its start and had been delivered
         * well before (no tick finished for at least a fifth of an interval), and the next is far off.
         */
        Snapshot quietMoment(long afterPeriod) throws Exception {
            long deadline = System.nanoTime() + INTERVAL.multipliedBy(10).toNanos();
            while (System.nanoTime() < deadline) {
                long early = awaitRedisTime(t -> period(t) > afterPeriod && phase(t) >= 0.30 && phase(t) < 0.45);
                long period = period(early);
                long ticksBefore = poller.ticksRun();
                long middle = awaitRedisTime(t -> period(t) != period || phase(t) >= 0.5);
                if (period(middle) != period || phase(middle) >= 0.8) {
                    continue; // the machine stalled; try the next period
                }
                for (Client c : clients) {
                    c.drain();
                }
                long ticksAfter = poller.ticksRun();
                long end = redis.timeMillis();
                if (ticksBefore == ticksAfter && period(end) == period && phase(end) < 0.9) {
                    return new Snapshot(period, ticksAfter, clients.stream().mapToLong(Client::syncs).toArray());
                }
                // A tick ran late, across the moment: the counts are kept, the snapshot is retaken later.
            }
            return fail("no quiet moment between ticks within 10 intervals");
        }

        /**
         * For at least {@code ticksWanted} consecutive ticks, checks period by period that every client got
         * exactly as many syncs as the poller ran ticks, and nothing else; returns the last snapshot.
         */
        Snapshot assertEveryTickReachesEveryClient(int ticksWanted) throws Exception {
            Snapshot previous = quietMoment(Long.MIN_VALUE);
            long ticks = 0;
            int periods = 0;
            while (ticks < ticksWanted) {
                Snapshot next = quietMoment(previous.period());
                long ran = next.ticks() - previous.ticks();
                for (int i = 0; i < clients.size(); i++) {
                    assertEquals(ran, next.syncs()[i] - previous.syncs()[i], clients.get(i).name
                            + ": syncs received for the " + ran + " tick(s) run between periods " + previous.period()
                            + " and " + next.period() + " (ticks so far " + ticks + ", counts before "
                            + Arrays.toString(previous.syncs()) + ", after " + Arrays.toString(next.syncs()) + ")");
                }
                ticks += ran;
                periods++;
                assertTrue(periods <= ticksWanted + 2,
                        "the poller ran only " + ticks + " ticks in " + periods + " periods");
                previous = next;
            }
            assertTrue(allOpen(), "every socket is still open");
            return previous;
        }

        @Override
        public void close() {
            List<AutoCloseable> order = new ArrayList<>(clients);
            if (proxy != null) {
                order.add(proxy::thaw); // so that nothing below waits on a frozen connection
            }
            if (poller != null) {
                order.add(poller);
            }
            order.addAll(relays);
            if (proxy != null) {
                order.add(proxy);
            }
            order.add(redis);
            RuntimeException failure = null;
            for (AutoCloseable c : order) {
                try {
                    c.close();
                } catch (Exception e) {
                    if (failure == null) {
                        failure = new IllegalStateException("Closing the fault-test stack failed", e);
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
}
