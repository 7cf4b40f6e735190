package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.RelayApp;
import io.stellarrelay.relay.support.RawWebSocket;
import io.stellarrelay.relay.support.RelayFixture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.PanelFixtures;
import io.stellarrelay.testing.ScratchServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.stellarrelay.relay.hostile.Rules.CODEC;
import static io.stellarrelay.relay.hostile.Rules.MAX_AUTH_FAILURES_PER_CONNECTION;
import static io.stellarrelay.relay.hostile.Rules.MAX_MESSAGE_BYTES;
import static io.stellarrelay.relay.hostile.Rules.VALID_TOKENS;
import static io.stellarrelay.relay.hostile.Rules.error;
import static io.stellarrelay.relay.hostile.Texts.head;
import static io.stellarrelay.relay.support.RawWebSocket.PING;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static io.stellarrelay.testing.PanelFixtures.STRANGER_TOKEN;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile clients against one relay: thousands of generated frames, malformed at every level from TCP
 * bytes to JSON fields, sent over many connections (reconnecting whenever the relay closes one), while
 * well-behaved clients watch a server and must not notice anything.
 *
 * <p>Every hostile frame has an expected outcome (a documented reply or a documented close code) and is
 * judged against it. The generator is seeded: the seed is printed, and {@code -Dhostile.seed=N} replays a
 * run ({@code -Dhostile.frames=N} changes the number of hostile frames, default 10,000).
 */
@DisplayName("Hostile input")
class HostileInputIT {
    private static final int TARGET_FRAMES = Integer.getInteger("hostile.frames", 10_000);
    private static final int WORKERS = 6;
    private static final int PUBLISHED = 200;
    private static final Duration ATTACK_DEADLINE = Duration.ofSeconds(40);

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp relay;
    private static int port;
    private static long seed;
    private static Report report;
    /** Owner, member and admin: subscribed to {@link PanelFixtures#SERVER} for the whole attack. */
    private static final Map<String, WsTestClient> watchers = new TreeMap<>();
    /** Authenticated as the stranger, refused the server, and listening all along. */
    private static WsTestClient strangerWatcher;
    private static List<String> published;

    // ------------------------------------------------------------------------------------------------
    // The attack (runs once; the tests below judge what it recorded)
    // ------------------------------------------------------------------------------------------------

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void attack() throws Exception {
        seed = Long.getLong("hostile.seed", new SecureRandom().nextLong());
        System.out.println("HostileInputIT seed=" + seed + " (replay with -Dhostile.seed=" + seed + ")");
        report = new Report(seed, PUBLISHED, TARGET_FRAMES);
        relay = RelayFixture.startRelay(services.db(), services.redis(), Map.of(
                "MAX_MESSAGE_BYTES", String.valueOf(MAX_MESSAGE_BYTES),
                "RATE_LIMIT_PER_SECOND", "1000000",
                "RATE_LIMIT_BURST", "1000000",
                "MAX_CONNECTIONS_PER_ADDRESS", "100000",
                "MAX_CONNECTIONS_PER_USER", "100000",
                "MAX_AUTH_FAILURES_PER_ADDRESS", "1000000",
                "MAX_AUTH_FAILURES_PER_CONNECTION", String.valueOf(MAX_AUTH_FAILURES_PER_CONNECTION)));
        port = relay.port();

        for (String token : List.of(OWNER_TOKEN, MEMBER_TOKEN, ADMIN_TOKEN)) {
            WsTestClient client = WsTestClient.connect(port);
            watchers.put(VALID_TOKENS.get(token), client);
            client.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            assertEquals(CODEC.encode(new ServerMessage.AuthSuccess(VALID_TOKENS.get(token))), client.next());
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals(CODEC.encode(new ServerMessage.Subscribed(SERVER)), client.next());
        }
        strangerWatcher = WsTestClient.connect(port);
        strangerWatcher.send("{\"type\":\"auth\",\"token\":\"" + STRANGER_TOKEN + "\"}");
        assertEquals(CODEC.encode(new ServerMessage.AuthSuccess(PanelFixtures.STRANGER)), strangerWatcher.next());
        strangerWatcher.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
        assertEquals(error(ErrorMessages.FORBIDDEN), strangerWatcher.next());
        String channel = new RedisNames(services.redis().prefix()).serverChannel(SERVER);
        RelayFixture.awaitChannelSubscribers(services.redis(), channel, 1);

        published = IntStream.rangeClosed(1, PUBLISHED)
                .mapToObj(n -> "{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\",\"data\":{\"seq\":" + n + "}}")
                .toList();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
        try {
            // The publisher is paced by the attack's progress: frame n goes out once n/200 of it is done.
            Future<?> publisher = pool.submit(() -> {
                for (String frame : published) {
                    if (!report.publishPermits.tryAcquire(ATTACK_DEADLINE.toSeconds() + 10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the attack stalled; publishing stopped");
                    }
                    services.redis().client().publish(channel, frame);
                }
                return null;
            });
            Random seeds = new Random(seed);
            int budget = (TARGET_FRAMES + WORKERS - 1) / WORKERS;
            List<Future<?>> attackers = new ArrayList<>();
            long deadline = started + ATTACK_DEADLINE.toNanos();
            for (int i = 0; i < WORKERS; i++) {
                Attacker attacker = new Attacker(i, new Random(seeds.nextLong()), budget, deadline, port, report);
                attackers.add(pool.submit(attacker::run));
            }
            for (Future<?> attacker : attackers) {
                attacker.get(ATTACK_DEADLINE.toSeconds() + 30, TimeUnit.SECONDS);
            }
            report.publishPermits.release(PUBLISHED); // whatever is left goes out now
            publisher.get(20, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        report.attackMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.println(report.summary());
    }

    @AfterAll
    static void stop() {
        watchers.values().forEach(WsTestClient::close);
        if (strangerWatcher != null) strangerWatcher.close();
        if (relay != null) relay.close();
    }

    // ------------------------------------------------------------------------------------------------
    // The pass criteria
    // ------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("at least 10,000 hostile frames were sent over many connections, covering every category")
    void theAttackHappened() {
        assertTrue(report.hostileFrames.get() >= TARGET_FRAMES,
                "only " + report.hostileFrames.get() + " hostile frames were sent before the deadline; seed " + seed);
        for (Category c : Category.values()) {
            assertTrue(report.framesOf(c) > 0, "no frame of category " + c + "; seed " + seed);
        }
        assertTrue(report.connections.sum() > 100, "only " + report.connections.sum() + " hostile connections");
    }

    @Test
    @DisplayName("after the attack the relay still serves: a new client authenticates, subscribes and gets pong, and no hostile socket lingers")
    void relayKeepsServing() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> relay.connectionCount() == watchers.size() + 1);
        try (WsTestClient client = WsTestClient.connect(port)) {
            client.send("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}");
            assertEquals(CODEC.encode(new ServerMessage.AuthSuccess(PanelFixtures.OWNER)), report.checked(client.next()));
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals(CODEC.encode(new ServerMessage.Subscribed(SERVER)), report.checked(client.next()));
            client.send("{\"type\":\"ping\"}");
            String reply = report.checked(client.next());
            if (reply.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\"")) {
                reply = report.checked(client.next()); // the server's latest state, sent right after subscribed
            }
            assertEquals(CODEC.encode(new ServerMessage.Pong()), reply);
        }
        try (RawWebSocket raw = RawWebSocket.connect(port, HostileConnection.READ_TIMEOUT)) {
            raw.sendText("{\"type\":\"ping\"}");
            RawWebSocket.Frame answer = raw.read();
            while (answer.opcode() == PING) { // the relay's keepalive may come first
                answer = raw.read();
            }
            assertEquals(CODEC.encode(new ServerMessage.Pong()), report.checked(answer.text()));
        }
    }

    @Test
    @DisplayName("no frame any client received carries a stack trace or Java exception text")
    void nothingLeaks() throws Exception {
        watcherFrames().values().forEach(frames -> frames.forEach(report::checked));
        strangerFrames().forEach(report::checked);
        assertTrue(report.leaks.isEmpty(), "leaked internals (seed " + seed + "):\n" + head(report.leaks));
        assertTrue(report.textsChecked.sum() > TARGET_FRAMES / 2, "only " + report.textsChecked.sum() + " texts checked");
    }

    @Test
    @DisplayName("every hostile frame got a documented error reply or a documented close code, never silence or anything else")
    void everyFrameGotADocumentedOutcome() {
        assertTrue(report.undocumented.isEmpty(), report.undocumented.size()
                + " hostile frames got an undocumented outcome (seed " + seed + "):\n" + head(report.undocumented));
        assertTrue(report.harnessErrors.isEmpty(), "attack threads failed:\n" + head(report.harnessErrors));
    }

    @Test
    @DisplayName("every hostile frame got exactly the answer its content calls for")
    void everyFrameGotTheExpectedOutcome() {
        assertTrue(report.deviations.isEmpty(), report.deviations.size()
                + " hostile frames got a documented but wrong outcome (seed " + seed + "):\n" + head(report.deviations));
    }

    @Test
    @DisplayName("the owner, member and admin watchers got every published frame in order and were never closed")
    void watchersGotEverythingInOrder() throws Exception {
        for (Map.Entry<String, List<String>> e : watcherFrames().entrySet()) {
            assertEquals(published, e.getValue(), e.getKey() + " missed, reordered or got extra frames; seed " + seed);
            assertTrue(watchers.get(e.getKey()).isOpen(), e.getKey() + " was closed");
        }
    }

    @Test
    @DisplayName("an unauthenticated flood never gets subscribed and the stranger never receives a server:sync")
    void refusedClientsGetNothing() throws Exception {
        assertTrue(report.violations.isEmpty(), "access violations (seed " + seed + "):\n" + head(report.violations));
        assertTrue(report.unauthenticatedSubscribes.sum() > 300,
                "only " + report.unauthenticatedSubscribes.sum() + " unauthenticated subscribes were tried");
        assertTrue(report.strangerSubscribes.sum() > 100,
                "only " + report.strangerSubscribes.sum() + " stranger subscribes were tried");
        assertEquals(List.of(), strangerFrames(), "the stranger's watcher received frames");
        assertTrue(strangerWatcher.isOpen());
    }

    private static Map<String, List<String>> watcherFrames;
    private static List<String> strangerFrames;

    /**
     * Everything each watcher received during and after the attack (collected once, for several tests):
     * frames until the last published one is in, then everything up to the answer to a ping.
     */
    static synchronized Map<String, List<String>> watcherFrames() throws InterruptedException {
        if (watcherFrames == null) {
            Map<String, List<String>> all = new TreeMap<>();
            for (Map.Entry<String, WsTestClient> e : watchers.entrySet()) {
                List<String> got = new ArrayList<>();
                try {
                    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
                        got.addAll(e.getValue().takeReceived());
                        return got.size() >= PUBLISHED;
                    });
                } catch (org.awaitility.core.ConditionTimeoutException timeout) {
                    // the comparison with what was published shows what is missing
                }
                if (e.getValue().isOpen()) {
                    got.addAll(e.getValue().drainUntilPong());
                }
                all.put(e.getKey(), got);
            }
            watcherFrames = all;
        }
        return watcherFrames;
    }

    static synchronized List<String> strangerFrames() throws InterruptedException {
        if (strangerFrames == null) {
            strangerFrames = strangerWatcher.drainUntilPong();
        }
        return strangerFrames;
    }
}
