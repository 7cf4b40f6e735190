package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.redis.RedisNames;
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

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.stellarrelay.relay.support.RawWebSocket.BINARY;
import static io.stellarrelay.relay.support.RawWebSocket.CLOSE;
import static io.stellarrelay.relay.support.RawWebSocket.CONTINUATION;
import static io.stellarrelay.relay.support.RawWebSocket.PING;
import static io.stellarrelay.relay.support.RawWebSocket.PONG;
import static io.stellarrelay.relay.support.RawWebSocket.TEXT;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.BANNED_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.EXPIRED_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MISSING_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
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
    private static final int MAX_MESSAGE_BYTES = 4096;
    private static final int MAX_AUTH_FAILURES_PER_CONNECTION = 5;
    /** Authentication's private limit: longer tokens are refused without a database lookup. */
    private static final int MAX_TOKEN_LENGTH = 1024;
    private static final int TARGET_FRAMES = Integer.getInteger("hostile.frames", 10_000);
    private static final int WORKERS = 6;
    private static final int PUBLISHED = 200;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ATTACK_DEADLINE = Duration.ofSeconds(40);
    /** Stop early when this many frames went wrong: more examples add nothing and silent drops cost time. */
    private static final int ABORT_AFTER_PROBLEMS = 25;
    private static final int PROTOCOL_ERROR = 1002; // what Jetty closes framing violations with
    private static final int NO_STATUS = 1005; // a close frame without a code
    private static final List<String> LEAK_MARKERS =
            List.of("Exception", "\tat ", "java.", "org.eclipse", "io.stellarrelay");

    private static final ProtocolCodec CODEC = new ProtocolCodec();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> DOCUMENTED_ERRORS = new HashSet<>();
    private static final List<String> DOCUMENTED_ERROR_PREFIXES = new ArrayList<>();
    private static final Set<Integer> DOCUMENTED_CLOSE_CODES = new HashSet<>();
    private static final Map<String, String> VALID_TOKENS = Map.of(
            ADMIN_TOKEN, PanelFixtures.ADMIN, OWNER_TOKEN, PanelFixtures.OWNER,
            MEMBER_TOKEN, PanelFixtures.MEMBER, STRANGER_TOKEN, PanelFixtures.STRANGER);
    private static final Set<String> KNOWN_TYPES = Set.of("auth", "subscribe", "unsubscribe", "ping");

    static {
        for (Field f : ErrorMessages.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String value = (String) f.get(null);
                    (f.getName().endsWith("_PREFIX") ? DOCUMENTED_ERROR_PREFIXES : DOCUMENTED_ERRORS).add(value);
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
        for (CloseCode c : CloseCode.values()) {
            DOCUMENTED_CLOSE_CODES.add(c.code());
        }
        DOCUMENTED_CLOSE_CODES.add(PROTOCOL_ERROR);
    }

    @RegisterExtension
    static final ScratchServices services = ScratchServices.panel();
    private static RelayApp relay;
    private static int port;
    private static long seed;
    private static final Report report = new Report();
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
        seed = Long.getLong("hostile.seed", new java.security.SecureRandom().nextLong());
        System.out.println("HostileInputIT seed=" + seed + " (replay with -Dhostile.seed=" + seed + ")");
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
                Attacker attacker = new Attacker(i, new Random(seeds.nextLong()), budget, deadline);
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
            assertEquals(CODEC.encode(new ServerMessage.AuthSuccess(PanelFixtures.OWNER)), checked(client.next()));
            client.send("{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}");
            assertEquals(CODEC.encode(new ServerMessage.Subscribed(SERVER)), checked(client.next()));
            client.send("{\"type\":\"ping\"}");
            String reply = checked(client.next());
            if (reply.startsWith("{\"type\":\"server:sync\",\"serverId\":\"" + SERVER + "\"")) {
                reply = checked(client.next()); // the server's latest state, sent right after subscribed
            }
            assertEquals(CODEC.encode(new ServerMessage.Pong()), reply);
        }
        try (RawWebSocket raw = RawWebSocket.connect(port, READ_TIMEOUT)) {
            raw.sendText("{\"type\":\"ping\"}");
            RawWebSocket.Frame answer = raw.read();
            while (answer.opcode() == PING) { // the relay's keepalive may come first
                answer = raw.read();
            }
            assertEquals(CODEC.encode(new ServerMessage.Pong()), checked(answer.text()));
        }
    }

    @Test
    @DisplayName("no frame any client received carries a stack trace or Java exception text")
    void nothingLeaks() throws Exception {
        watcherFrames().values().forEach(frames -> frames.forEach(HostileInputIT::checked));
        strangerFrames().forEach(HostileInputIT::checked);
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

    // ------------------------------------------------------------------------------------------------
    // What is sent, what is expected back, and how it is judged
    // ------------------------------------------------------------------------------------------------

    enum Category {
        INVALID_UTF8, BINARY, OVERSIZED, NESTED_JSON, HUGE_JSON, NOT_JSON, NOT_AN_OBJECT, WRONG_TYPES,
        ODD_STRINGS, LONG_SERVER_ID, INJECTION_SERVER_ID, UNKNOWN_TYPE, SUBSCRIPTION_FLOOD, AUTH_FLOOD,
        FRAGMENTED, CONTROL_FRAMES, CLOSE_FRAMES, RESERVED_BITS_AND_OPCODES, UNMASKED, GARBAGE, TRUNCATED
    }

    /** Who a hostile connection is: never authenticated, or authenticated as a user. */
    enum Persona {
        ANONYMOUS(null, null), STRANGER(STRANGER_TOKEN, PanelFixtures.STRANGER), OWNER(OWNER_TOKEN, PanelFixtures.OWNER);

        final String token;
        final String userId;

        Persona(String token, String userId) {
            this.token = token;
            this.userId = userId;
        }
    }

    /** What a frame should get. */
    sealed interface Expect {
        /** One text frame, exactly this. */
        record Reply(String expected) implements Expect {}

        /** A pong control frame echoing the ping's payload. */
        record PongFrame(byte[] payload) implements Expect {}

        /** A close frame with one of these codes (1005: a close frame without a code). */
        record Close(Set<Integer> codes) implements Expect {}

        /** Nothing at all (an unsolicited pong). */
        record Nothing() implements Expect {}

        /** The client half-closed mid-frame: the relay drops the connection (or closes it with a documented code). */
        record Dropped() implements Expect {}
    }

    /** What came back. */
    sealed interface Outcome {
        record Text(String json) implements Outcome {}

        record Pong(byte[] payload) implements Outcome {}

        record Closed(int code, String reason) implements Outcome {}

        record Eof() implements Outcome {}

        record Silent() implements Outcome {}

        record Broken(String error) implements Outcome {}

        record OtherFrame(String description) implements Outcome {}
    }

    enum Verdict { EXPECTED, DEVIATION, UNDOCUMENTED }

    /**
     * One message's payload and expected answer, before it is cut into frames. Whatever its content, a
     * message over the limit gets close 1009 (Jetty enforces the limit before the relay sees the message).
     */
    record Msg(int opcode, byte[] payload, Expect expect, String label) {
        Msg {
            if (payload.length > MAX_MESSAGE_BYTES) {
                expect = closeWith(CloseCode.MESSAGE_TOO_BIG.code());
            }
        }
    }

    /** Bytes written in one go (one or more frames) and what they should get. */
    record Step(Category category, byte[] wire, int frames, Expect expect, String label, boolean halfClose) {}

    static String error(String message) {
        return CODEC.encode(new ServerMessage.Error(message));
    }

    static String authError(String message) {
        return CODEC.encode(new ServerMessage.AuthError(message));
    }

    static Expect reply(String expected) {
        return new Expect.Reply(expected);
    }

    /** The panel's ids and tokens never hold C0 controls or DEL; the relay refuses them before any query. */
    static boolean hasControlCharacter(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
    }

    static Expect closeWith(Integer... codes) {
        return new Expect.Close(Set.of(codes));
    }

    /** The answer to a serverId that fails validation (checked before authentication), or null. */
    static Expect invalidServerId(String id) {
        if (id.isEmpty()) {
            return reply(error(ErrorMessages.SERVER_ID_REQUIRED));
        }
        if (id.length() > ProtocolCodec.MAX_SERVER_ID_LENGTH) {
            return reply(error(ErrorMessages.SERVER_ID_TOO_LONG));
        }
        if (hasControlCharacter(id)) {
            return reply(error(ErrorMessages.SERVER_ID_INVALID));
        }
        return null;
    }

    /** The answer to a subscribe with this string serverId, for this persona. */
    static Expect subscribeExpect(Persona p, String id) {
        Expect invalid = invalidServerId(id);
        if (invalid != null) {
            return invalid;
        }
        return switch (p) {
            case ANONYMOUS -> reply(error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            case STRANGER -> reply(error(ErrorMessages.FORBIDDEN));
            case OWNER -> reply(id.equals(SERVER)
                    ? CODEC.encode(new ServerMessage.Subscribed(id)) : error(ErrorMessages.FORBIDDEN));
        };
    }

    static Expect unsubscribeExpect(String id) {
        Expect invalid = invalidServerId(id);
        return invalid != null ? invalid : reply(CODEC.encode(new ServerMessage.Unsubscribed(id)));
    }

    /** The answer to an auth frame; {@code token} null when it is missing or not a string. */
    static Expect authExpect(Persona p, String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || hasControlCharacter(token)) {
            return reply(authError(ErrorMessages.INVALID_SESSION));
        }
        String user = VALID_TOKENS.get(token);
        if (user != null) {
            return p.userId == null || p.userId.equals(user)
                    ? reply(CODEC.encode(new ServerMessage.AuthSuccess(user)))
                    : reply(error(ErrorMessages.ALREADY_AUTHENTICATED));
        }
        return reply(authError(ErrorMessages.INVALID_SESSION));
    }

    static Expect unknownTypeExpect(String type) {
        String shown = type;
        if (type.length() > 64) {
            int end = Character.isHighSurrogate(type.charAt(63)) ? 63 : 64;
            shown = type.substring(0, end) + "...";
        }
        return reply(error(ErrorMessages.UNKNOWN_TYPE_PREFIX + "\"" + shown + "\""));
    }

    /** A JSON string literal; control characters and every surrogate escaped, so lone ones survive. */
    static String js(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20 || Character.isSurrogate(ch)) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String preview(String s) {
        String shown = js(s);
        return shown.length() > 90 ? shown.substring(0, 90) + "...(" + s.length() + " chars)" : shown;
    }

    static String preview(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 24); i++) {
            b.append(String.format("%02x", bytes[i]));
        }
        return b + (bytes.length > 24 ? "...(" + bytes.length + " bytes)" : "");
    }

    static String head(Queue<String> problems) {
        return problems.stream().limit(20).collect(Collectors.joining("\n"))
                + (problems.size() > 20 ? "\n... and " + (problems.size() - 20) + " more" : "");
    }

    /** Records a leak if a received text shows internals; returns it for chaining. */
    static String checked(String received) {
        report.textsChecked.increment();
        for (String marker : LEAK_MARKERS) {
            if (received.contains(marker)) {
                report.leaks.add("contains " + js(marker) + ": " + preview(received));
            }
        }
        return received;
    }

    static boolean documented(Outcome o) {
        if (o instanceof Outcome.Closed c) {
            return DOCUMENTED_CLOSE_CODES.contains(c.code());
        }
        if (!(o instanceof Outcome.Text t)) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(t.json());
            String type = node.path("type").asText("");
            return switch (type) {
                case "pong", "subscribed", "unsubscribed", "auth_success" -> true;
                case "error", "auth_error" -> {
                    String message = node.path("error").asText("");
                    yield DOCUMENTED_ERRORS.contains(message)
                            || DOCUMENTED_ERROR_PREFIXES.stream().anyMatch(message::startsWith);
                }
                default -> false;
            };
        } catch (IOException e) {
            return false;
        }
    }

    /** Counts and examples; everything is thread-safe. */
    static final class Report {
        final Map<Category, LongAdder> frames = new ConcurrentHashMap<>();
        final AtomicLong hostileFrames = new AtomicLong();
        final LongAdder setupFrames = new LongAdder();
        final LongAdder connections = new LongAdder();
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        final Map<Verdict, LongAdder> verdicts = new ConcurrentHashMap<>();
        final LongAdder skippedAfterClose = new LongAdder();
        final LongAdder syncsToHostileOwners = new LongAdder();
        final LongAdder textsChecked = new LongAdder();
        final LongAdder unauthenticatedSubscribes = new LongAdder();
        final LongAdder strangerSubscribes = new LongAdder();
        final Queue<String> undocumented = new ConcurrentLinkedQueue<>();
        final Queue<String> deviations = new ConcurrentLinkedQueue<>();
        final Queue<String> leaks = new ConcurrentLinkedQueue<>();
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final Queue<String> harnessErrors = new ConcurrentLinkedQueue<>();
        final Semaphore publishPermits = new Semaphore(0);
        private final AtomicLong permitsReleased = new AtomicLong();
        volatile long attackMillis;

        long framesOf(Category c) {
            LongAdder n = frames.get(c);
            return n == null ? 0 : n.sum();
        }

        void sent(Step step) {
            frames.computeIfAbsent(step.category(), k -> new LongAdder()).add(step.frames());
            long total = hostileFrames.addAndGet(step.frames());
            long due = Math.min(PUBLISHED, total * PUBLISHED / TARGET_FRAMES);
            for (long released = permitsReleased.get(); released < due; released = permitsReleased.get()) {
                if (permitsReleased.compareAndSet(released, released + 1)) {
                    publishPermits.release();
                }
            }
        }

        void outcome(String key) {
            outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        boolean tooManyProblems() {
            return undocumented.size() + deviations.size() + leaks.size() + violations.size()
                    + harnessErrors.size() >= ABORT_AFTER_PROBLEMS;
        }

        String summary() {
            StringBuilder b = new StringBuilder("\n=== HostileInputIT summary (seed " + seed + ") ===\n");
            b.append(String.format("%,d hostile frames (+%,d setup auth frames) over %,d connections in %,d ms%n",
                    hostileFrames.get(), setupFrames.sum(), connections.sum(), attackMillis));
            b.append("Frames sent by category:\n");
            for (Category c : Category.values()) {
                b.append(String.format("  %-26s %,7d%n", c, framesOf(c)));
            }
            b.append("Outcomes (replies by type and error, closes by code):\n");
            new TreeMap<>(outcomes).forEach((k, v) -> b.append(String.format("  %,7d  %s%n", v.sum(), k)));
            b.append(String.format("  %,7d  (not answered: sent after the relay had closed the connection)%n",
                    skippedAfterClose.sum()));
            b.append(String.format("server:sync frames received by hostile owner sockets: %,d%n", syncsToHostileOwners.sum()));
            b.append("Verdicts: ");
            for (Verdict v : Verdict.values()) {
                LongAdder n = verdicts.get(v);
                b.append(v).append('=').append(n == null ? 0 : n.sum()).append("  ");
            }
            b.append(String.format("%nleaks=%d violations=%d harness errors=%d%n", leaks.size(), violations.size(),
                    harnessErrors.size()));
            for (Map.Entry<String, Queue<String>> e : List.of(Map.entry("UNDOCUMENTED", undocumented),
                    Map.entry("DEVIATIONS", deviations), Map.entry("LEAKS", leaks), Map.entry("VIOLATIONS", violations),
                    Map.entry("HARNESS ERRORS", harnessErrors))) {
                if (!e.getValue().isEmpty()) {
                    b.append(e.getKey()).append(":\n").append(head(e.getValue())).append('\n');
                }
            }
            return b.toString();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Hostile connections
    // ------------------------------------------------------------------------------------------------

    /** One thread of the attack: connection after connection until its share of frames is sent. */
    static final class Attacker {
        private final int id;
        private final Random random;
        private final int budget;
        private final long deadlineNanos;
        private final Generator generator;
        private int connectionNumber;

        Attacker(int id, Random random, int budget, long deadlineNanos) {
            this.id = id;
            this.random = random;
            this.budget = budget;
            this.deadlineNanos = deadlineNanos;
            this.generator = new Generator(random);
        }

        void run() {
            int sent = 0;
            try {
                while (sent < budget && System.nanoTime() < deadlineNanos && !report.tooManyProblems()) {
                    int roll = random.nextInt(10);
                    Persona persona = roll < 4 ? Persona.ANONYMOUS : roll < 7 ? Persona.STRANGER : Persona.OWNER;
                    String name = "w" + id + "/c" + (++connectionNumber);
                    Conn conn;
                    try {
                        conn = Conn.open(persona, name);
                    } catch (IOException e) {
                        report.undocumented.add(name + ": the relay refused or dropped a new connection: " + e);
                        continue;
                    }
                    try (conn) {
                        int shots = 1 + random.nextInt(40);
                        for (int i = 0; i < shots && !conn.closed && sent < budget; i++) {
                            sent += conn.fire(generator.shot(persona));
                        }
                    }
                }
            } catch (RuntimeException | AssertionError e) {
                report.harnessErrors.add("attacker " + id + ": " + e);
            }
        }
    }

    /** A hostile socket, what it is, and what the relay has done to it so far. */
    static final class Conn implements AutoCloseable {
        final RawWebSocket ws;
        final Persona persona;
        final String name;
        int authFailures;
        boolean closed;

        private Conn(RawWebSocket ws, Persona persona, String name) {
            this.ws = ws;
            this.persona = persona;
            this.name = name;
        }

        static Conn open(Persona persona, String name) throws IOException {
            Conn conn = new Conn(RawWebSocket.connect(port, READ_TIMEOUT), persona, name);
            report.connections.increment();
            if (persona.token != null) {
                conn.ws.sendText("{\"type\":\"auth\",\"token\":\"" + persona.token + "\"}");
                report.setupFrames.increment();
                Outcome o = conn.next();
                if (!o.equals(new Outcome.Text(CODEC.encode(new ServerMessage.AuthSuccess(persona.userId))))) {
                    report.undocumented.add(name + " " + persona + ": setup auth got " + describe(o));
                    conn.closed = true;
                }
            }
            return conn;
        }

        /** Writes every step, then judges the answers in order; returns the frames sent. */
        int fire(List<Step> steps) {
            int written = 0;
            int frames = 0;
            for (Step step : steps) {
                try {
                    ws.sendRaw(step.wire());
                    if (step.halfClose()) {
                        ws.shutdownOutput();
                    }
                } catch (IOException e) {
                    break; // the relay closed the socket already; the answers read below tell why
                }
                report.sent(step);
                frames += step.frames();
                written++;
            }
            for (int i = 0; i < written; i++) {
                judge(steps.get(i));
            }
            return frames;
        }

        private void judge(Step step) {
            if (step.label().startsWith("subscribe") && persona == Persona.ANONYMOUS) {
                report.unauthenticatedSubscribes.increment();
            } else if (step.label().startsWith("subscribe") && persona == Persona.STRANGER) {
                report.strangerSubscribes.increment();
            }
            if (closed) {
                report.skippedAfterClose.increment();
                return;
            }
            if (step.expect() instanceof Expect.Nothing) {
                record(step, step.expect(), null, Verdict.EXPECTED);
                return;
            }
            Outcome o = next();
            record(step, step.expect(), o, verdict(step.expect(), o));
            if (o instanceof Outcome.Text t && t.json().equals(authError(ErrorMessages.INVALID_SESSION))
                    && ++authFailures >= MAX_AUTH_FAILURES_PER_CONNECTION) {
                Expect closing = closeWith(CloseCode.TOO_MANY_AUTH_FAILURES.code());
                Outcome c = next();
                record(step, closing, c, verdict(closing, c));
            }
        }

        private Verdict verdict(Expect e, Outcome o) {
            boolean match = switch (e) {
                case Expect.Reply r -> o instanceof Outcome.Text t && t.json().equals(r.expected());
                case Expect.PongFrame p -> o instanceof Outcome.Pong q && Arrays.equals(p.payload(), q.payload());
                case Expect.Close c -> o instanceof Outcome.Closed k && c.codes().contains(k.code());
                case Expect.Dropped d -> o instanceof Outcome.Eof || o instanceof Outcome.Closed k && documented(k);
                case Expect.Nothing n -> true;
            };
            if (match) {
                return Verdict.EXPECTED;
            }
            if (persona == Persona.ANONYMOUS && o instanceof Outcome.Closed k
                    && k.code() == CloseCode.AUTH_TIMEOUT.code()) {
                return Verdict.EXPECTED; // the documented deadline for unauthenticated sockets, at any time
            }
            return documented(o) ? Verdict.DEVIATION : Verdict.UNDOCUMENTED;
        }

        private void record(Step step, Expect expect, Outcome o, Verdict v) {
            report.verdicts.computeIfAbsent(v, k -> new LongAdder()).increment();
            if (o != null) {
                boolean echo = step.category() == Category.CLOSE_FRAMES && v == Verdict.EXPECTED
                        && o instanceof Outcome.Closed c && c.code() != PROTOCOL_ERROR
                        && c.code() != CloseCode.INVALID_PAYLOAD.code();
                report.outcome(echo ? "close " + ((Outcome.Closed) o).code() + " (echo of the client's close)" : outcomeKey(o));
            }
            String detail = name + " " + persona + " " + step.category() + " [" + step.label() + "]: expected "
                    + describe(expect) + ", got " + describe(o);
            switch (v) {
                case DEVIATION -> report.deviations.add(detail);
                case UNDOCUMENTED -> report.undocumented.add(detail);
                case EXPECTED -> { }
            }
            if (o instanceof Outcome.Text t && persona == Persona.ANONYMOUS
                    && (t.json().startsWith("{\"type\":\"subscribed\"") || t.json().startsWith("{\"type\":\"auth_success\""))) {
                report.violations.add("unauthenticated socket got " + detail);
            }
        }

        /** The relay's next answer, skipping its keepalive pings and the syncs an owner socket may get. */
        Outcome next() {
            while (true) {
                RawWebSocket.Frame f;
                try {
                    f = ws.read();
                } catch (SocketTimeoutException e) {
                    return finish(new Outcome.Silent());
                } catch (EOFException e) {
                    return finish(new Outcome.Eof());
                } catch (IOException e) {
                    return finish(new Outcome.Broken(e.toString()));
                }
                switch (f.opcode()) {
                    case PING -> {
                        try {
                            ws.send(true, 0, PONG, f.payload());
                        } catch (IOException ignored) {
                            // the next read tells what happened
                        }
                    }
                    case TEXT -> {
                        String text = checked(f.text());
                        if (!f.fin()) {
                            return new Outcome.OtherFrame("fragmented text " + preview(text));
                        }
                        if (text.startsWith("{\"type\":\"server:sync\"")) {
                            if (persona != Persona.OWNER) {
                                report.violations.add(name + " " + persona + " received " + preview(text));
                            }
                            report.syncsToHostileOwners.increment();
                        } else {
                            return new Outcome.Text(text);
                        }
                    }
                    case PONG -> {
                        return new Outcome.Pong(f.payload());
                    }
                    case CLOSE -> {
                        return finish(new Outcome.Closed(f.closeCode(), checked(f.closeReason())));
                    }
                    default -> {
                        return new Outcome.OtherFrame(f.toString());
                    }
                }
            }
        }

        private Outcome finish(Outcome o) {
            closed = true;
            ws.close();
            return o;
        }

        @Override
        public void close() {
            ws.close();
        }
    }

    static String outcomeKey(Outcome o) {
        return switch (o) {
            case Outcome.Text t -> {
                try {
                    JsonNode node = JSON.readTree(t.json());
                    String error = node.path("error").asText(null);
                    if (error != null && error.startsWith(ErrorMessages.UNKNOWN_TYPE_PREFIX)) {
                        error = ErrorMessages.UNKNOWN_TYPE_PREFIX + "...";
                    }
                    yield "reply " + node.path("type").asText() + (error == null ? "" : ": " + error);
                } catch (IOException e) {
                    yield "reply (not JSON)";
                }
            }
            case Outcome.Pong p -> "pong control frame";
            case Outcome.Closed c -> "close " + c.code() + (!DOCUMENTED_CLOSE_CODES.contains(c.code()) ? " (undocumented)"
                    : c.code() == PROTOCOL_ERROR ? " protocol error" : " " + CloseCode.of(c.code()).name());
            case Outcome.Eof e -> "connection dropped without close frame";
            case Outcome.Silent s -> "NO ANSWER within " + READ_TIMEOUT;
            case Outcome.Broken b -> "broken connection";
            case Outcome.OtherFrame f -> "other frame";
        };
    }

    static String describe(Object o) {
        return switch (o) {
            case null -> "nothing";
            case Expect.Reply r -> r.expected();
            case Expect.PongFrame p -> "pong " + preview(p.payload());
            case Expect.Close c -> "close " + c.codes();
            case Expect.Nothing n -> "nothing";
            case Expect.Dropped d -> "connection dropped";
            case Outcome.Text t -> preview(t.json());
            case Outcome.Pong p -> "pong " + preview(p.payload());
            case Outcome.Closed c -> "close " + c.code() + " " + preview(c.reason());
            default -> o.toString();
        };
    }

    // ------------------------------------------------------------------------------------------------
    // The generator
    // ------------------------------------------------------------------------------------------------

    /** Builds random hostile shots (one or more steps) from a seeded Random. */
    static final class Generator {
        private static final Category[] WEIGHTED;

        static {
            Map<Category, Integer> weights = new LinkedHashMap<>();
            weights.put(Category.INVALID_UTF8, 5);
            weights.put(Category.BINARY, 5);
            weights.put(Category.OVERSIZED, 4);
            weights.put(Category.NESTED_JSON, 5);
            weights.put(Category.HUGE_JSON, 5);
            weights.put(Category.NOT_JSON, 8);
            weights.put(Category.NOT_AN_OBJECT, 4);
            weights.put(Category.WRONG_TYPES, 8);
            weights.put(Category.ODD_STRINGS, 8);
            weights.put(Category.LONG_SERVER_ID, 5);
            weights.put(Category.INJECTION_SERVER_ID, 8);
            weights.put(Category.UNKNOWN_TYPE, 5);
            weights.put(Category.SUBSCRIPTION_FLOOD, 6);
            weights.put(Category.AUTH_FLOOD, 5);
            weights.put(Category.FRAGMENTED, 6);
            weights.put(Category.CONTROL_FRAMES, 5);
            weights.put(Category.CLOSE_FRAMES, 2);
            weights.put(Category.RESERVED_BITS_AND_OPCODES, 3);
            weights.put(Category.UNMASKED, 2);
            weights.put(Category.GARBAGE, 3);
            weights.put(Category.TRUNCATED, 2);
            List<Category> list = new ArrayList<>();
            weights.forEach((c, w) -> list.addAll(Collections.nCopies(w, c)));
            WEIGHTED = list.toArray(Category[]::new);
        }

        /** Values of the wrong JSON type for a string field. */
        private static final List<String> WRONG_VALUES = List.of("42", "-0", "1.5e308", "1e999999", "[]",
                "[\"srv_abc123\"]", "{}", "{\"$ne\":null}", "{\"serverId\":\"srv_abc123\"}", "null", "true", "false",
                "[null]", "{\"\":{}}");

        private static final List<String> INJECTIONS = List.of(
                "*", "?", "srv_abc123*", "srv_*", "srv_abc12?", "[s]rv_abc123", "srv_abc12[0-9]", "\\*", "srv_abc123\\",
                "' OR '1'='1", "srv_abc123' --", "srv_abc123'; DROP TABLE servers; --", "\" OR \"\"=\"", "%", "_",
                "srv_abc%", "srv_abc12_", "1; SELECT pg_sleep(5)", "srv_abc123' UNION SELECT token FROM sessions --",
                "../", "../../etc/passwd", "srv_abc123/../srv_other", "..\\..\\", "/", ".", "..", "srv_abc123/",
                "{stellar}", "{stellar}:relays", "stellar:server:srv_abc123", "stellar:server:*", "}{", "{}",
                "srv_abc123\n", "srv_abc123\r\nPUBLISH stellar:server:srv_abc123 pwned", "\r\n", "\n", "srv_abc123\r",
                "srv_abc123\u0000", "\u0000", "srv\tabc123", "SRV_ABC123", " srv_abc123", "srv_abc123 ",
                "srv_abc123\u200b", "\u202esrv_abc123", "ｓｒｖ＿ａｂｃ１２３", "srv_abc123\u0301", "😀", "\ud800",
                "\udc00srv", "srv_abc123\ufeff", "\uffff", "\u2028\u2029", "srv_other", "srv_does_not_exist",
                "srv_abc123", "$(reboot)", "${jndi:ldap://127.0.0.1/a}", "<script>alert(1)</script>", "%s%n%x",
                "\\u0000", "null", "undefined", "__proto__", "constructor");

        private static final byte[][] BAD_UTF8 = {
                {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC3},
                {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80}};

        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        <T> T pick(List<T> list) {
            return list.get(r.nextInt(list.size()));
        }

        int between(int min, int max) { // inclusive
            return min + r.nextInt(max - min + 1);
        }

        byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            return b;
        }

        List<Step> shot(Persona p) {
            Category c = WEIGHTED[r.nextInt(WEIGHTED.length)];
            return switch (c) {
                case SUBSCRIPTION_FLOOD -> subscriptionFlood(p);
                case AUTH_FLOOD -> authFlood(p);
                case FRAGMENTED -> List.of(fragmented(c, r.nextInt(8) == 0 ? binaryMessage() : message(messageCategory(), p)));
                case INVALID_UTF8 -> List.of(r.nextInt(3) == 0 ? fragmented(c, invalidUtf8()) : single(c, invalidUtf8()));
                case BINARY -> List.of(r.nextInt(4) == 0 ? fragmented(c, binaryMessage()) : single(c, binaryMessage()));
                case OVERSIZED -> List.of(oversized());
                case CONTROL_FRAMES -> List.of(controlFrame());
                case CLOSE_FRAMES -> List.of(closeFrame());
                case RESERVED_BITS_AND_OPCODES -> List.of(reservedBits());
                case UNMASKED -> List.of(unmasked(p));
                case GARBAGE -> List.of(garbage());
                case TRUNCATED -> List.of(truncated(p));
                default -> List.of(single(c, message(c, p)));
            };
        }

        private Category messageCategory() {
            return pick(List.of(Category.NESTED_JSON, Category.HUGE_JSON, Category.NOT_JSON, Category.NOT_AN_OBJECT,
                    Category.WRONG_TYPES, Category.ODD_STRINGS, Category.LONG_SERVER_ID, Category.INJECTION_SERVER_ID,
                    Category.UNKNOWN_TYPE));
        }

        // --- Messages (payload plus expected answer) ---------------------------------------------------

        Msg text(String json, Expect expect) {
            return new Msg(TEXT, utf8(json), expect, preview(json));
        }

        Msg message(Category c, Persona p) {
            return switch (c) {
                case NESTED_JSON -> nested();
                case HUGE_JSON -> huge(p);
                case NOT_JSON -> notJson();
                case NOT_AN_OBJECT -> text(pick(List.of("[]", "[1,2,3]", "\"ping\"", "42", "-1.5", "null", "true", "false",
                        "[{\"type\":\"ping\"}]", "\"{\\\"type\\\":\\\"ping\\\"}\"", "  null  ", "[[[]]]", "0", "\"\"")),
                        reply(error(ErrorMessages.NOT_AN_OBJECT)));
                case WRONG_TYPES -> wrongTypes(p);
                case ODD_STRINGS -> oddStrings(p);
                case LONG_SERVER_ID -> longServerId(p);
                case INJECTION_SERVER_ID -> serverIdMessage(p, pick(INJECTIONS), r.nextInt(3) > 0);
                case UNKNOWN_TYPE -> unknownType();
                default -> throw new IllegalArgumentException(c.toString());
            };
        }

        Msg serverIdMessage(Persona p, String id, boolean subscribe) {
            String op = subscribe ? "subscribe" : "unsubscribe";
            String json = r.nextBoolean()
                    ? "{\"type\":\"" + op + "\",\"serverId\":" + js(id) + "}"
                    : "{\"serverId\":" + js(id) + ",\"type\":\"" + op + "\"}";
            return new Msg(TEXT, utf8(json), subscribe ? subscribeExpect(p, id) : unsubscribeExpect(id),
                    op + " serverId=" + preview(id));
        }

        Msg authMessage(Persona p, String token) {
            return new Msg(TEXT, utf8("{\"type\":\"auth\",\"token\":" + js(token) + "}"), authExpect(p, token),
                    "auth token=" + preview(token));
        }

        Msg nested() {
            int kind = r.nextInt(6);
            return switch (kind) {
                case 0 -> text("[".repeat(between(33, MAX_MESSAGE_BYTES)), reply(error(ErrorMessages.INVALID_JSON)));
                case 1 -> {
                    int depth = r.nextBoolean() ? pick(List.of(32, 33)) : between(1, 2048);
                    yield text("[".repeat(depth) + "]".repeat(depth),
                            reply(error(depth > 32 ? ErrorMessages.INVALID_JSON : ErrorMessages.NOT_AN_OBJECT)));
                }
                case 2 -> {
                    int depth = between(33, 680);
                    yield text("{\"a\":".repeat(depth) + "1" + "}".repeat(depth), reply(error(ErrorMessages.INVALID_JSON)));
                }
                case 3 -> { // inside an otherwise valid ping: depth counts the outer object too
                    int depth = r.nextBoolean() ? between(1, 31) : between(32, 2000);
                    yield text("{\"type\":\"ping\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
                            reply(depth + 1 > 32 ? error(ErrorMessages.INVALID_JSON) : CODEC.encode(new ServerMessage.Pong())));
                }
                case 4 -> text("[".repeat(10_000), closeWith(CloseCode.MESSAGE_TOO_BIG.code()));
                default -> text("{\"type\":\"ping\",\"x\":" + "{\"a\":[".repeat(between(17, 600)),
                        reply(error(ErrorMessages.INVALID_JSON)));
            };
        }

        Msg huge(Persona p) {
            String pong = CODEC.encode(new ServerMessage.Pong());
            return switch (r.nextInt(6)) {
                case 0 -> { // a ping padded to an exact size in bytes, around the limit
                    int size = pick(List.of(MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1, between(1000, MAX_MESSAGE_BYTES),
                            between(MAX_MESSAGE_BYTES + 1, 3 * MAX_MESSAGE_BYTES)));
                    String json = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(size - 24) + "\"}";
                    yield text(json, size > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
                }
                case 1 -> authMessage(p, randomString(between(MAX_TOKEN_LENGTH - 10, 3900), false));
                case 2 -> { // many small array elements
                    int n = between(100, 2030);
                    String json = "{\"type\":\"ping\",\"a\":[" + "1,".repeat(n - 1) + "1]}";
                    yield text(json, json.length() > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
                }
                case 3 -> { // many distinct keys
                    StringBuilder b = new StringBuilder("{\"type\":\"ping\"");
                    int n = between(50, 700);
                    for (int i = 0; i < n; i++) {
                        b.append(",\"k").append(i).append("\":0");
                    }
                    String json = b.append('}').toString();
                    yield text(json, json.length() > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
                }
                case 4 -> { // multi-byte padding: the limit is in bytes, not characters
                    String pad = "é✓😀".repeat(between(100, 600));
                    String json = "{\"type\":\"ping\",\"pad\":" + js(pad) + "}";
                    yield text(json, utf8(json).length > MAX_MESSAGE_BYTES
                            ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
                }
                default -> serverIdMessage(p, "srv_abc123".repeat(between(20, 380)), r.nextBoolean());
            };
        }

        Msg notJson() {
            String valid = pick(List.of("{\"type\":\"ping\"}", "{\"type\":\"subscribe\",\"serverId\":\"srv_abc123\"}",
                    "{\"type\":\"auth\",\"token\":\"tok-owner-0123456789\"}"));
            String json = switch (r.nextInt(8)) {
                case 0 -> valid.substring(0, r.nextInt(valid.length())); // cut short (possibly empty)
                case 1 -> valid + pick(List.of("x", "}", "]", "{}", ",", "\"", "null", "{\"type\":\"ping\"}", "\u0000"));
                case 2 -> pick(List.of("{'type':'ping'}", "{type:\"ping\"}", "/*x*/{\"type\":\"ping\"}",
                        "{\"type\":\"ping\",}", "{\"type\":\"ping\",\"n\":NaN}", "{\"type\":\"ping\",\"n\":Infinity}",
                        "\ufeff{\"type\":\"ping\"}", "{\"type\":\"ping\",\"type\":\"auth\"}", "{\"type\":\"ping\" \"x\":1}",
                        "{\"type\":\"ping\",\"n\":01}", "{\"type\":\"ping\",\"n\":+1}", "{\"type\":\"ping\",\"n\":0x10}",
                        "{\"type\":\"p\\xing\"}", "{\"type\":\"p\\u12\"}", "{\"type\":\"ping\",\"n\":" + "9".repeat(65) + "}",
                        " ", "", "\t\r\n", "{\"type\":\"ping\"}}", "{{}}", "{\"type\":}", "{:\"ping\"}", "{\"type\"\"ping\"}"));
                case 3 -> { // a raw (unescaped) control character inside a string
                    char control = (char) r.nextInt(0x20);
                    yield "{\"type\":\"pi" + control + "ng\"}";
                }
                case 4 -> "{\"type\":\"subscribe\",\"serverId\":\"srv_abc123" + pick(List.of("\n", "\r\n", "\t", "\u0000"))
                        + "\"}";
                default -> pick(List.of("}", "]", ")", ">", "#", ":", ",", "<", "x", "'", "\\", "=")) + randomString(
                        between(0, 200), false);
            };
            return text(json, reply(error(ErrorMessages.INVALID_JSON)));
        }

        Msg wrongTypes(Persona p) {
            String value = pick(WRONG_VALUES);
            boolean missing = r.nextInt(8) == 0;
            return switch (r.nextInt(4)) {
                case 0 -> text(missing ? pick(List.of("{}", "{\"serverId\":\"srv_abc123\"}", "{\"token\":\"x\"}", "{\"Type\":\"ping\"}"))
                        : "{\"type\":" + value + ",\"serverId\":\"srv_abc123\"}", reply(error(ErrorMessages.MISSING_TYPE)));
                case 1, 2 -> {
                    String op = r.nextBoolean() ? "subscribe" : "unsubscribe";
                    String v = r.nextInt(10) == 0 ? "\"\"" : value;
                    yield new Msg(TEXT, utf8(missing ? "{\"type\":\"" + op + "\"}" : "{\"type\":\"" + op + "\",\"serverId\":" + v + "}"),
                            reply(error(ErrorMessages.SERVER_ID_REQUIRED)), op + " serverId=" + (missing ? "(missing)" : v));
                }
                default -> new Msg(TEXT, utf8(missing ? "{\"type\":\"auth\"}" : "{\"type\":\"auth\",\"token\":" + value + "}"),
                        authExpect(p, null), "auth token=" + (missing ? "(missing)" : value));
            };
        }

        Msg oddStrings(Persona p) {
            String odd = randomString(between(1, 60), true);
            return switch (r.nextInt(6)) {
                case 0 -> {
                    String key = "type".equals(odd) ? odd + "_" : odd;
                    yield text("{\"type\":\"ping\"," + js(key) + ":" + js(randomString(between(0, 60), true)) + "}",
                            reply(CODEC.encode(new ServerMessage.Pong())));
                }
                case 1 -> {
                    String type = KNOWN_TYPES.contains(odd) ? odd + "\u0000" : odd;
                    yield new Msg(TEXT, utf8("{\"type\":" + js(type) + "}"), unknownTypeExpect(type), "type=" + preview(type));
                }
                case 2, 3 -> serverIdMessage(p, odd, r.nextBoolean());
                case 4 -> authMessage(p, odd);
                default -> text("{\"type\":\"ping\",\"x\":\"" + pick(List.of("\u2028", "\u2029", "\u007f", "\u0085",
                        "\ufeff", "\uffff", "😀", "e\u0301")) + "\"}", reply(CODEC.encode(new ServerMessage.Pong())));
            };
        }

        Msg longServerId(Persona p) {
            int length = pick(List.of(ProtocolCodec.MAX_SERVER_ID_LENGTH, ProtocolCodec.MAX_SERVER_ID_LENGTH + 1,
                    between(192, 3000), between(100, 191)));
            String id = r.nextInt(4) == 0
                    ? "😀".repeat((length + 1) / 2) // counted in UTF-16 units, as Java and JavaScript do
                    : ("srv_abc123" + "a".repeat(length)).substring(0, length);
            return serverIdMessage(p, id, r.nextBoolean());
        }

        Msg unknownType() {
            String type = switch (r.nextInt(4)) {
                case 0 -> pick(List.of("PING", "Ping", " ping", "ping ", "auth_success", "server:sync", "pong", "error",
                        "subscribed", "__proto__", "constructor", "toString", "", "sub scribe", "ping\u0000", "pinG",
                        "SUBSCRIBE", "auth\n", "unsubscribe\r\n"));
                case 1 -> { // long, sometimes with a surrogate pair straddling the 64-character cut
                    String t = randomString(between(65, 2000), r.nextBoolean());
                    yield r.nextBoolean() ? t.substring(0, 63) + "😀" + t.substring(63) : t;
                }
                default -> randomString(between(1, 64), true);
            };
            if (KNOWN_TYPES.contains(type)) {
                type = type + "?";
            }
            return new Msg(TEXT, utf8("{\"type\":" + js(type) + "}"), unknownTypeExpect(type), "type=" + preview(type));
        }

        Msg binaryMessage() {
            byte[] payload = r.nextInt(3) == 0
                    ? utf8(pick(List.of("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}",
                    "{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}", "{\"type\":\"ping\"}")))
                    : randomBytes(pick(List.of(0, between(1, 125), between(126, MAX_MESSAGE_BYTES))));
            return new Msg(BINARY, payload, reply(error(ErrorMessages.BINARY_NOT_SUPPORTED)), "binary " + preview(payload));
        }

        Msg invalidUtf8() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            if (r.nextBoolean()) { // random bytes with at least one byte that never occurs in UTF-8
                byte[] bytes = randomBytes(between(1, 300));
                bytes[r.nextInt(bytes.length)] = (byte) pick(List.of(0xC0, 0xC1, 0xF5, 0xF8, 0xFE, 0xFF)).intValue();
                b.writeBytes(bytes);
            } else { // a precise malformation inside an otherwise valid message
                b.writeBytes(utf8("{\"type\":\"ping\",\"x\":\"" + randomString(between(0, 40), false)));
                b.writeBytes(BAD_UTF8[r.nextInt(BAD_UTF8.length)]);
                b.writeBytes(utf8("\"}"));
            }
            byte[] payload = b.toByteArray();
            return new Msg(TEXT, payload, closeWith(CloseCode.INVALID_PAYLOAD.code()), "text " + preview(payload));
        }

        /** Printable ASCII, or (odd) any mix of controls, specials, non-BMP and lone surrogates. */
        String randomString(int length, boolean odd) {
            StringBuilder b = new StringBuilder(length);
            while (b.length() < length) {
                int kind = odd ? r.nextInt(8) : 0;
                switch (kind) {
                    case 0, 1, 2 -> b.append((char) between(0x20, 0x7E));
                    case 3 -> b.append((char) pick(List.of(between(0, 0x1F), 0x7F, between(0x80, 0x9F))).intValue());
                    case 4 -> b.append(pick(List.of('\u200b', '\u200d', '\u202e', '\u2028', '\u2029', '\ufeff', '\ufffd',
                            '\uffff', '\ufffe', '\u0301', 'ｓ', 'é', 'ß', 'Σ', '中', 'ع')));
                    case 5 -> b.appendCodePoint(between(0x10000, 0x10FFFF));
                    case 6 -> b.append((char) between(0xD800, 0xDFFF)); // lone surrogate
                    default -> b.append((char) between(0xA0, 0xFFFD));
                }
            }
            String s = b.length() > length && length > 0 ? b.substring(0, length) : b.toString();
            for (String marker : LEAK_MARKERS) { // echoed strings must not fake a leak
                s = s.replace(marker, "_");
            }
            return s;
        }

        // --- Shots -------------------------------------------------------------------------------------

        Step single(Category c, Msg m) {
            return new Step(c, RawWebSocket.encode(true, 0, m.opcode(), m.payload(), true), 1, m.expect(), m.label(), false);
        }

        /** The message cut at random byte offsets (splitting UTF-8 sequences too), with pongs in between. */
        Step fragmented(Category c, Msg m) {
            int pieces = between(2, 5);
            int[] cuts = IntStream.range(0, pieces - 1).map(i -> r.nextInt(m.payload().length + 1)).sorted().toArray();
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            int frames = 0;
            int from = 0;
            for (int i = 0; i < pieces; i++) {
                int to = i < pieces - 1 ? cuts[i] : m.payload().length;
                boolean last = i == pieces - 1;
                wire.writeBytes(RawWebSocket.encode(last, 0, i == 0 ? m.opcode() : CONTINUATION,
                        Arrays.copyOfRange(m.payload(), from, to), true));
                frames++;
                if (!last && r.nextInt(3) == 0) {
                    wire.writeBytes(RawWebSocket.encode(true, 0, PONG, randomBytes(between(0, 20)), true));
                    frames++;
                }
                from = to;
            }
            return new Step(c, wire.toByteArray(), frames, m.expect(), "fragmented x" + pieces + " " + m.label(), false);
        }

        List<Step> subscriptionFlood(Persona p) {
            int n = between(5, 25);
            List<Step> steps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = switch (r.nextInt(6)) {
                    case 0, 1, 2 -> SERVER;
                    case 3 -> OTHER_SERVER;
                    case 4 -> MISSING_SERVER;
                    default -> pick(INJECTIONS);
                };
                steps.add(single(Category.SUBSCRIPTION_FLOOD, serverIdMessage(p, id, r.nextInt(3) > 0)));
            }
            return steps;
        }

        List<Step> authFlood(Persona p) {
            int n = between(1, 8);
            List<Step> steps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String token = switch (r.nextInt(10)) {
                    case 0 -> pick(List.of(OWNER_TOKEN.toUpperCase(), OWNER_TOKEN + " ", " " + OWNER_TOKEN,
                            OWNER_TOKEN.substring(0, OWNER_TOKEN.length() - 1), OWNER_TOKEN + "\u0000",
                            OWNER_TOKEN.replace('-', '_'), "tok-owner-%", "tok-%", "%", "*", "' OR '1'='1",
                            "tok-owner-0123456789' OR '1'='1", "x' UNION SELECT id, role FROM users --", EXPIRED_TOKEN,
                            BANNED_TOKEN, OWNER_TOKEN + "." + "A".repeat(43) + "=", "null", "undefined"));
                    case 1 -> "a".repeat(pick(List.of(MAX_TOKEN_LENGTH, MAX_TOKEN_LENGTH + 1, between(1025, 3900))));
                    case 2 -> p == Persona.ANONYMOUS ? "" : pick(List.of(p.token, OWNER_TOKEN, MEMBER_TOKEN, ADMIN_TOKEN));
                    case 3, 4 -> randomString(between(1, 100), true);
                    default -> randomString(between(8, 64), false);
                };
                steps.add(single(Category.AUTH_FLOOD, authMessage(p, token)));
            }
            return steps;
        }

        Step oversized() {
            int size = between(MAX_MESSAGE_BYTES + 1, 3 * MAX_MESSAGE_BYTES);
            Expect tooBig = closeWith(CloseCode.MESSAGE_TOO_BIG.code());
            return switch (r.nextInt(4)) {
                case 0 -> single(Category.OVERSIZED, new Msg(BINARY, randomBytes(size), tooBig, "binary of " + size + " bytes"));
                case 1 -> fragmented(Category.OVERSIZED, new Msg(r.nextBoolean() ? TEXT : BINARY,
                        utf8("{\"type\":\"auth\",\"token\":\"" + "a".repeat(size) + "\"}"), tooBig, "message of " + size + " bytes"));
                default -> single(Category.OVERSIZED, new Msg(TEXT,
                        utf8("{\"type\":\"auth\",\"token\":\"" + randomString(size, false) + "\"}"), tooBig,
                        "text of " + size + " bytes"));
            };
        }

        Step controlFrame() {
            Category c = Category.CONTROL_FRAMES;
            byte[] small = randomBytes(between(0, 125));
            byte[] tooLong = randomBytes(between(126, 400));
            Expect protocolError = closeWith(PROTOCOL_ERROR);
            return switch (r.nextInt(6)) {
                case 0, 1 -> new Step(c, RawWebSocket.encode(true, 0, PING, small, true), 1, new Expect.PongFrame(small),
                        "ping " + preview(small), false);
                case 2, 3 -> new Step(c, RawWebSocket.encode(true, 0, PONG, small, true), 1, new Expect.Nothing(),
                        "unsolicited pong " + preview(small), false);
                case 4 -> new Step(c, RawWebSocket.encode(true, 0, r.nextBoolean() ? PING : PONG, tooLong, true), 1,
                        protocolError, "control frame of " + tooLong.length + " bytes", false);
                default -> new Step(c, RawWebSocket.encode(false, 0, PING, small, true), 1, protocolError,
                        "fragmented ping", false);
            };
        }

        Step closeFrame() {
            int code;
            byte[] payload;
            Expect expect;
            switch (r.nextInt(6)) {
                case 0, 1 -> {
                    code = pick(List.of(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, between(3000, 4999)));
                    payload = RawWebSocket.closePayload(code, utf8(randomString(between(0, 100), false)));
                    expect = closeWith(code); // the close handshake echoes the client's code
                }
                case 2 -> {
                    code = pick(List.of(0, 999, 1004, 1005, 1006, 1015, between(1016, 2999), between(5000, 65535)));
                    payload = RawWebSocket.closePayload(code, new byte[0]);
                    expect = closeWith(PROTOCOL_ERROR);
                }
                case 3 -> {
                    code = -1;
                    payload = r.nextBoolean() ? new byte[] {3} : RawWebSocket.closePayload(1000, randomBytes(between(124, 300)));
                    expect = closeWith(PROTOCOL_ERROR);
                }
                case 4 -> {
                    code = 1000;
                    payload = RawWebSocket.closePayload(code, new byte[] {'o', 'k', (byte) 0xFF});
                    expect = closeWith(CloseCode.INVALID_PAYLOAD.code());
                }
                default -> {
                    code = -1;
                    payload = new byte[0];
                    expect = closeWith(NO_STATUS);
                }
            }
            return new Step(Category.CLOSE_FRAMES, RawWebSocket.encode(true, 0, CLOSE, payload, true), 1, expect,
                    "close " + preview(payload), false);
        }

        Step reservedBits() {
            boolean rsv = r.nextBoolean();
            int rsvBits = rsv ? between(1, 7) : 0;
            int opcode = rsv ? pick(List.of(TEXT, BINARY, CONTINUATION, PING, PONG, CLOSE)) : pick(List.of(3, 4, 5, 6, 7, 11, 12, 13, 14, 15));
            byte[] payload = opcode == CLOSE ? RawWebSocket.closePayload(1000, new byte[0]) : utf8("{\"type\":\"ping\"}");
            return new Step(Category.RESERVED_BITS_AND_OPCODES, RawWebSocket.encode(true, rsvBits, opcode, payload, true), 1,
                    closeWith(PROTOCOL_ERROR), "rsv=" + rsvBits + " opcode=" + opcode, false);
        }

        Step unmasked(Persona p) {
            Msg m = r.nextBoolean() ? text("{\"type\":\"ping\"}", null) : serverIdMessage(p, SERVER, true);
            int opcode = pick(List.of(TEXT, TEXT, BINARY, PING));
            return new Step(Category.UNMASKED, RawWebSocket.encode(true, 0, opcode, m.payload(), false), 1,
                    closeWith(PROTOCOL_ERROR), "unmasked opcode " + opcode + " " + m.label(), false);
        }

        Step garbage() {
            return switch (r.nextInt(4)) {
                case 0 -> new Step(Category.GARBAGE, utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 1, closeWith(PROTOCOL_ERROR),
                        "an HTTP request", false);
                case 1 -> { // a text frame claiming more than 2^63 bytes
                    byte[] header = {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
                    yield new Step(Category.GARBAGE, header, 1, closeWith(CloseCode.MESSAGE_TOO_BIG.code()), "length 2^63+1", false);
                }
                default -> { // random bytes whose first byte is never a valid frame start
                    byte[] bytes = randomBytes(between(1, 300));
                    int opcode = pick(List.of(3, 4, 5, 6, 7, 11, 12, 13, 14, 15));
                    bytes[0] = (byte) ((bytes[0] & 0x80) | (r.nextBoolean() ? between(1, 7) << 4 : 0) | opcode);
                    yield new Step(Category.GARBAGE, bytes, 1, closeWith(PROTOCOL_ERROR), "random " + preview(bytes), false);
                }
            };
        }

        Step truncated(Persona p) {
            Msg m = pick(List.of(text("{\"type\":\"ping\"}", null), serverIdMessage(p, SERVER, true), binaryMessage(),
                    huge(p)));
            byte[] frame = RawWebSocket.encode(true, 0, m.opcode(), m.payload(), true);
            int keep = between(1, frame.length - 1);
            return new Step(Category.TRUNCATED, Arrays.copyOf(frame, keep), 1, new Expect.Dropped(),
                    keep + " of " + frame.length + " bytes of " + m.label(), true);
        }
    }
}
