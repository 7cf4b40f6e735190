package io.stellarrelay.bench;

import io.stellarrelay.protocol.ProtocolCodec;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XAddParams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One server floods its console while many clients of other, quiet servers wait for rare status
 * events: does the flood delay them? K clients watch server 0's console; M clients each subscribe to a
 * quiet server of their own, which gets stamped {@code server:status} events at a low rate. Reports the
 * quiet clients' publish-to-receive latency, the console frames and lines the watchers got against what
 * the relay dropped (its per-server cap), and the relay's CPU.
 */
@Command(name = "console-flood", mixinStandardHelpOptions = true,
        description = "One server floods console lines to K watchers while M quiet-server clients get status events: their latency p50/p99/max, console lines delivered vs dropped, relay CPU.")
final class ConsoleFloodScenario extends ClientScenario {
    private static final String LINE_PREFIX = "fl";
    private static final byte[] LINE_MARKER = Frames.ascii("\"" + LINE_PREFIX);
    private static final long PUBLISH_TICK_NANOS = 10_000_000;
    private static final long CONSOLE_STREAM_ENTRIES = 1000;
    private static final byte[] DATA_FIELD = Frames.ascii("data");

    @Option(names = "--watchers", description = "Clients watching the flooding server's console (default: ${DEFAULT-VALUE}).")
    int watchers = 50;

    @Option(names = "--quiet-clients", description = "Clients of quiet servers, one server each (default: ${DEFAULT-VALUE}).")
    int quietClients = 500;

    @Option(names = "--lines-per-second", description = "Console lines the flooding server publishes per second; 0 for a baseline without flood (default: ${DEFAULT-VALUE}).")
    int linesPerSecond = 5000;

    @Option(names = "--line-bytes", description = "Length of each console line (default: ${DEFAULT-VALUE}).")
    int lineBytes = 100;

    @Option(names = "--status-rate", description = "Status events per second over all quiet servers (default: ${DEFAULT-VALUE}).")
    double statusRate = 50;

    @Option(names = "--duration", paramLabel = "S", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    int duration = 10;

    @Option(names = "--warmup-seconds", description = "Seconds of the same load before measuring (default: ${DEFAULT-VALUE}).")
    int warmupSeconds = 2;

    @Option(names = "--drain-timeout-s", description = "After publishing stops, how long to wait for the last events (default: ${DEFAULT-VALUE}).")
    int drainTimeoutSeconds = 5;

    /** How the flooding server's console lines reach Redis. */
    enum ConsoleVia { stream, publish }

    @Option(names = "--console-via", description = "stream: one XADD per batch to the server's capped console stream "
            + "(the contract); publish: the deprecated PUBLISH to its console channel, to compare (default: ${DEFAULT-VALUE}).")
    ConsoleVia consoleVia = ConsoleVia.stream;

    @Option(names = "--concurrency", description = "Connection attempts in flight at once while connecting (default: ${DEFAULT-VALUE}).")
    int concurrency = 500;

    private final LatencyRecorder measured = new LatencyRecorder();
    private final LatencyRecorder perSecond = new LatencyRecorder();
    private final LongAdder statusReceived = new LongAdder();
    private final LongAdder statusReceivedMeasured = new LongAdder();
    private final LongAdder consoleFrames = new LongAdder();
    private final LongAdder consoleLines = new LongAdder();
    private final LongAdder consoleDropped = new LongAdder();
    private final LongAdder errorFrames = new LongAdder();
    private final LongAdder closes = new LongAdder();
    private volatile long measureStart = Long.MAX_VALUE;

    @Override
    String name() {
        return "console-flood";
    }

    @Override
    void check() {
        Limits.checkClients(watchers + quietClients);
        if (watchers < 1 || quietClients < 1 || linesPerSecond < 0 || lineBytes < 8 || lineBytes > 65536
                || statusRate <= 0 || statusRate > 100_000 || duration < 1 || duration > 3600
                || warmupSeconds < 0 || warmupSeconds > 600) {
            throw new IllegalArgumentException("need --watchers >= 1, --quiet-clients >= 1, --lines-per-second >= 0, "
                    + "--line-bytes 8..65536, --status-rate in (0, 100000], --duration 1..3600, --warmup-seconds 0..600");
        }
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("watchers", watchers);
        opts.put("quietClients", quietClients);
        opts.put("linesPerSecond", linesPerSecond);
        opts.put("lineBytes", lineBytes);
        opts.put("statusRate", statusRate);
        opts.put("durationSeconds", duration);
        opts.put("warmupSeconds", warmupSeconds);
        return opts;
    }

    @Override
    void load(BenchRun run, FixtureDatabase db) {
        int users = watchers + quietClients;
        run.note("loading %d users, %d servers, memberships", users, 1 + quietClients);
        db.populate(users, 1 + quietClients);
        db.addConsoleFloodMemberships(watchers, quietClients);
    }

    @Override
    void measure(BenchRun run, Rig rig) throws Exception {
        List<BenchClient> all = clients(rig.db());
        run.note("connecting %d clients", all.size());
        Phase phase = connect(run, rig.fleet(), all, concurrency);
        long readyQuiet = all.subList(watchers, all.size()).stream().filter(c -> c.subscribedAll >= 0).count();
        long readyWatchers = all.subList(0, watchers).stream().filter(c -> c.subscribedAll >= 0).count();
        Targets targets = targets(run, all, readyWatchers);
        Publishers publishers = new Publishers(rig.relay(), run.redis(), targets);
        Sampler sampler = run.sampler()
                .counter("statusDelivered", statusReceived::sum)
                .counter("consoleLinesDelivered", consoleLines::sum)
                .counter("consoleLinesDropped", consoleDropped::sum)
                .start();
        Thread flood = Thread.ofPlatform().name("bench-console-flood").start(publishers::flood);
        Thread statusPublisher = Thread.ofPlatform().name("bench-status").start(publishers::statuses);
        LatencySeries latency = new LatencySeries();
        while (statusPublisher.isAlive() || flood.isAlive()) {
            statusPublisher.join(Duration.ofMillis(1000));
            latency.add(sampler.elapsed(), perSecond.interval());
        }
        ProcStats relayAtEnd = rig.relay().stats();
        double redisCpuAtEnd = RedisProbes.redisCpuSeconds(run.redis());
        drain(publishers);
        sampler.sample();
        sampler.close();

        Outcome o = new Outcome(phase, readyWatchers, readyQuiet, publishers, relayAtEnd, redisCpuAtEnd, measured.interval(),
                consoleLines.sum(), consoleDropped.sum(), latency, sampler.toJson());
        summarize(run, o);
        record(run, o);
        rig.fleet().closeAll(all, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "console-flood: %d watchers at %d lines/s, %d quiet clients at %.0f status/s",
                readyWatchers, linesPerSecond, readyQuiet, statusRate), charts(o));
    }

    /** The watchers of server 0's console first, then one client per quiet server. */
    private List<BenchClient> clients(FixtureDatabase db) {
        BenchClient.Events events = events();
        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            all.add(new BenchClient(i, db.token(i), new String[] {FixtureDatabase.serverId(0)}, true, events));
        }
        for (int q = 0; q < quietClients; q++) {
            all.add(new BenchClient(watchers + q, db.token(watchers + q),
                    new String[] {FixtureDatabase.serverId(1 + q)}, false, events));
        }
        return all;
    }

    /** Status latencies (measured after the warm-up), console frames, lines and drops, closes and errors. */
    private BenchClient.Events events() {
        return new BenchClient.Events() {
            @Override
            public void status(BenchClient client, ByteBuffer payload, long receivedNanos) {
                long sent = Frames.sentNanos(payload);
                if (sent < 0) {
                    return;
                }
                long micros = Math.max(0, (receivedNanos - sent) / 1000);
                statusReceived.increment();
                perSecond.record(micros);
                if (sent >= measureStart) {
                    measured.record(micros);
                    statusReceivedMeasured.increment();
                }
            }

            @Override
            public void console(BenchClient client, ByteBuffer payload, long receivedNanos) {
                consoleFrames.increment();
                consoleLines.add(Frames.count(payload, LINE_MARKER));
                consoleDropped.add(Frames.dropped(payload));
            }

            @Override
            public void closedAfterReady(BenchClient client, int code, String reason) {
                closes.increment();
            }

            @Override
            public void errorFrame(BenchClient client, String text) {
                errorFrames.increment();
            }
        };
    }

    /**
     * Where the publishers write: the flooding server's console (its stream or channel, as --console-via
     * says), and per quiet server its channel, its status frame and whether its client is there to get it.
     */
    private record Targets(byte[] console, byte[][] statusChannels, Frames.Stamped[] statusFrames, long[] expectedSubscribers) {}

    /** The targets, once the relay has subscribed every channel that has a ready client. */
    private Targets targets(BenchRun run, List<BenchClient> all, long readyWatchers) throws InterruptedException {
        String floodServer = FixtureDatabase.serverId(0);
        String consoleChannel = run.names().consoleChannel(floodServer);
        String[] channelNames = new String[quietClients + 1];
        long[] expectedSubscribers = new long[quietClients + 1];
        ProtocolCodec codec = new ProtocolCodec();
        Frames.Stamped[] statusFrames = new Frames.Stamped[quietClients];
        byte[][] statusChannels = new byte[quietClients][];
        for (int q = 0; q < quietClients; q++) {
            String id = FixtureDatabase.serverId(1 + q);
            channelNames[q] = run.names().serverChannel(id);
            expectedSubscribers[q] = all.get(watchers + q).subscribedAll >= 0 ? 1 : 0;
            statusChannels[q] = channelNames[q].getBytes(StandardCharsets.UTF_8);
            statusFrames[q] = Frames.Stamped.status(codec, id);
        }
        channelNames[quietClients] = consoleChannel;
        expectedSubscribers[quietClients] = readyWatchers > 0 ? 1 : 0;
        RedisProbes.awaitRelaySubscribed(run, run.redis(), channelNames, expectedSubscribers);
        byte[] console = (consoleVia == ConsoleVia.stream ? run.names().consoleStream(floodServer) : consoleChannel)
                .getBytes(StandardCharsets.UTF_8);
        return new Targets(console, statusChannels, statusFrames, expectedSubscribers);
    }

    /**
     * The two publishers, for the warm-up and the measured seconds: the flood of console lines, and the
     * stamped status events round-robin over the quiet servers, which also takes the relay's and Redis's
     * CPU where measuring starts.
     */
    private final class Publishers {
        final AtomicLong linesPublished = new AtomicLong();
        final AtomicLong statusPublishedMeasured = new AtomicLong();
        final AtomicLong expectedStatusMeasured = new AtomicLong();
        final Timeline time = Timeline.startingNow(warmupSeconds, duration);
        volatile ProcStats relayAtMeasure;
        volatile double redisCpuAtMeasure;
        private final RelayProcess relay;
        private final RedisClient redis;
        private final Targets targets;

        Publishers(RelayProcess relay, RedisClient redis, Targets targets) {
            this.relay = relay;
            this.redis = redis;
            this.targets = targets;
        }

        /** Every PUBLISH_TICK_NANOS, the lines due by then, as one batch. */
        void flood() {
            long tick = 0;
            while (linesPerSecond > 0) {
                long due = time.start() + tick * PUBLISH_TICK_NANOS;
                long now = System.nanoTime();
                if (due >= time.end()) {
                    break;
                }
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                long target = (tick + 1) * linesPerSecond * PUBLISH_TICK_NANOS / 1_000_000_000L;
                int n = (int) (target - linesPublished.get());
                if (n > 0) {
                    sendConsoleQuietly(redis, targets.console, consoleMessage(linesPublished.get(), n));
                    linesPublished.addAndGet(n);
                }
                tick++;
            }
        }

        void statuses() {
            double interval = 1e9 / statusRate;
            for (long seq = 0; ; seq++) {
                long due = time.start() + (long) (seq * interval);
                if (due >= time.end()) {
                    break;
                }
                long now = System.nanoTime();
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                }
                if (relayAtMeasure == null && System.nanoTime() >= time.measureFrom()) {
                    relayAtMeasure = relay.stats();
                    redisCpuAtMeasure = RedisProbes.redisCpuSeconds(redis);
                    measureStart = System.nanoTime();
                }
                int q = (int) (seq % quietClients);
                long stamp = System.nanoTime();
                if (stamp >= measureStart) {
                    statusPublishedMeasured.incrementAndGet();
                    expectedStatusMeasured.addAndGet(targets.expectedSubscribers[q]);
                }
                publishQuietly(redis, targets.statusChannels[q], targets.statusFrames[q].stamp(stamp));
            }
        }
    }

    /** Bounded wait for the status events still on their way; console totals are taken after it too. */
    private void drain(Publishers p) throws InterruptedException {
        long drainDeadline = System.nanoTime() + drainTimeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < drainDeadline && statusReceivedMeasured.sum() < p.expectedStatusMeasured.get()) {
            Thread.sleep(50);
        }
    }

    /** Everything measured, and the figures derived from it; console lines count over the whole run. */
    private record Outcome(Phase phase, long readyWatchers, long readyQuiet, Publishers publishers, ProcStats relayAtEnd,
                           double redisCpuAtEnd, Histogram latency, long delivered, long dropped, LatencySeries perSecond,
                           List<Map<String, Object>> rows) {
        double relayCpu() {
            return publishers.relayAtMeasure == null ? 0 : relayAtEnd.cpuSeconds() - publishers.relayAtMeasure.cpuSeconds();
        }

        double redisCpu() {
            return publishers.relayAtMeasure == null ? 0 : redisCpuAtEnd - publishers.redisCpuAtMeasure;
        }

        long published() {
            return publishers.linesPublished.get();
        }

        long expectedLines() {
            return published() * readyWatchers;
        }
    }

    private void summarize(BenchRun run, Outcome o) {
        Histogram h = o.latency();
        Publishers p = o.publishers();
        run.line("console-flood: %d console watchers, %d quiet clients (%d failed to connect), %d lines/s of %d bytes, "
                        + "%.0f status events/s, console via %s, %d s measured after %d s warm-up",
                o.readyWatchers(), o.readyQuiet(), o.phase().failed(), linesPerSecond, lineBytes, statusRate, consoleVia, duration,
                warmupSeconds);
        run.line("  quiet clients: %d status events published, %d of %d expected received; latency publish->receive "
                        + "p50=%.2f p99=%.2f max=%.2f ms",
                p.statusPublishedMeasured.get(), statusReceivedMeasured.sum(), p.expectedStatusMeasured.get(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
        run.line("  console (whole run): %d lines published x %d watchers = %d; delivered %d lines in %d frames, "
                        + "dropped by the relay %d, unaccounted %d",
                o.published(), o.readyWatchers(), o.expectedLines(), o.delivered(), consoleFrames.sum(), o.dropped(),
                o.expectedLines() - o.delivered() - o.dropped());
        run.line("  relay CPU %.2f s (%.0f%% of one core), Redis CPU %.2f s (%.0f%%), RSS %.1f MiB | error frames %d, "
                        + "closes after ready %d",
                o.relayCpu(), 100 * o.relayCpu() / duration, o.redisCpu(), 100 * o.redisCpu() / duration, o.relayAtEnd().rssMiB(),
                errorFrames.sum(), closes.sum());
    }

    private void record(BenchRun run, Outcome o) {
        Map<String, Object> r = run.results;
        r.put("ready", o.phase().ready());
        r.put("failed", o.phase().failed());
        r.put("readyWatchers", o.readyWatchers());
        r.put("readyQuietClients", o.readyQuiet());
        r.put("quietStatusLatency", quietStatusLatency(o));
        Map<String, Object> console = new LinkedHashMap<>();
        console.put("linesPublished", o.published());
        console.put("linesExpected", o.expectedLines());
        console.put("framesDelivered", consoleFrames.sum());
        console.put("linesDelivered", o.delivered());
        console.put("linesDropped", o.dropped());
        console.put("linesUnaccounted", o.expectedLines() - o.delivered() - o.dropped());
        r.put("console", console);
        r.put("consoleVia", consoleVia.name());
        r.put("relayCpuSeconds", Percentiles.round(o.relayCpu()));
        r.put("redisCpuSeconds", Percentiles.round(o.redisCpu()));
        r.put("relayCpuPercentOfOneCore", Percentiles.round(100 * o.relayCpu() / duration));
        r.put("relayAtEnd", BenchRun.stats(o.relayAtEnd()));
        r.put("errorFrames", errorFrames.sum());
        r.put("closesAfterReady", closes.sum());
        r.put("samples", o.rows());
    }

    private Map<String, Object> quietStatusLatency(Outcome o) {
        Histogram h = o.latency();
        Map<String, Object> quiet = new LinkedHashMap<>();
        quiet.put("published", o.publishers().statusPublishedMeasured.get());
        quiet.put("expected", o.publishers().expectedStatusMeasured.get());
        quiet.put("received", statusReceivedMeasured.sum());
        quiet.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
        quiet.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
        quiet.put("maxMs", h.getMaxValue() / 1000.0);
        return quiet;
    }

    private static List<Chart.Panel> charts(Outcome o) {
        List<Map<String, Object>> rows = o.rows();
        return List.of(new Chart.Panel("Quiet clients: status publish-to-receive latency per second", "seconds", "milliseconds",
                        o.perSecond().series()),
                new Chart.Panel("Console lines per second (all watchers)", "seconds", "lines per second",
                        List.of(Series.field("delivered", rows, "consoleLinesDeliveredPerSecond"),
                                Series.field("dropped", rows, "consoleLinesDroppedPerSecond"))),
                new Chart.Panel("CPU (% of one core) and relay RSS", "seconds", "% / MiB",
                        List.of(Series.field("relay CPU %", rows, "relayCpuPercent"),
                                Series.field("generator CPU %", rows, "benchCpuPercent"),
                                Series.field("relay RSS MiB", rows, "relayRssMiB"))));
    }

    /** {@code {"lines":["fl<seq> xxx…",…]}}, each line {@link #lineBytes} long, numbered from {@code first}. */
    byte[] consoleMessage(long first, int count) {
        StringBuilder sb = new StringBuilder(16 + count * (lineBytes + 3)).append("{\"lines\":[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(',');
            }
            String head = LINE_PREFIX + (first + i) + ' ';
            sb.append('"').append(head).append("x".repeat(Math.max(0, lineBytes - head.length()))).append('"');
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void publishQuietly(RedisClient redis, byte[] channel, byte[] message) {
        try {
            redis.publish(channel, message);
        } catch (RuntimeException e) {
            System.err.println("publish failed: " + e);
        }
    }

    /** One batch of console lines, as {@link #consoleVia} says: one XADD (capped as docs/redis-contract.md says) or one PUBLISH. */
    private void sendConsoleQuietly(RedisClient redis, byte[] target, byte[] message) {
        if (consoleVia == ConsoleVia.publish) {
            publishQuietly(redis, target, message);
            return;
        }
        try {
            redis.xadd(target, XAddParams.xAddParams().maxLen(CONSOLE_STREAM_ENTRIES).approximateTrimming(),
                    Map.of(DATA_FIELD, message));
        } catch (RuntimeException e) {
            System.err.println("xadd failed: " + e);
        }
    }
}
