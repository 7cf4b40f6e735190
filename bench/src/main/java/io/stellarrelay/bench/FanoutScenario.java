package io.stellarrelay.bench;

import io.stellarrelay.protocol.ProtocolCodec;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.RedisClient;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Clients subscribed to a few servers; the generator publishes server:sync frames (the poller's shape,
 * padded) to those servers' Redis channels, each carrying its send time, and measures what arrives:
 * deliveries per second, loss, publish-to-receive latency, and deliveries per relay CPU-second.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "Redis publish -> relay -> N sockets: delivered msgs/s, loss, latency p50/p99/p99.9/max, deliveries per relay CPU-second.")
final class FanoutScenario extends ClientScenario {
    @Option(names = "--clients", description = "Connections (default: ${DEFAULT-VALUE}).")
    int clients = 500;

    @Option(names = "--servers", description = "Distinct servers (Redis channels) the frames go to (default: ${DEFAULT-VALUE}).")
    int servers = 10;

    @Option(names = "--servers-per-client", description = "Servers each client subscribes to (default: ${DEFAULT-VALUE}).")
    int serversPerClient = 1;

    @Option(names = "--rate", paramLabel = "R|max",
            description = "Frames published per second over all servers, or 'max': as fast as the relay delivers, with at most --max-in-flight deliveries outstanding (default: ${DEFAULT-VALUE}).")
    String rate = "100";

    @Option(names = "--duration", paramLabel = "S", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    int duration = 10;

    @Option(names = "--warmup-seconds", description = "Seconds of the same load before measuring (JIT, buffers) (default: ${DEFAULT-VALUE}).")
    int warmupSeconds = 3;

    @Option(names = "--payload-bytes", description = "Size of each server:sync frame (default: ${DEFAULT-VALUE}).")
    int payloadBytes = 1200;

    @Option(names = "--max-in-flight", description = "With --rate max: deliveries published but not yet received before publishing pauses (default: 2 per subscription).")
    long maxInFlight = 0;

    @Option(names = "--concurrency", description = "Connection attempts in flight at once while connecting (default: ${DEFAULT-VALUE}).")
    int concurrency = 500;

    @Option(names = "--drain-timeout-s", description = "After publishing stops, how long to wait for the last deliveries (default: ${DEFAULT-VALUE}).")
    int drainTimeoutSeconds = 15;

    /** Issue 12's bound: no one-second window whose p99 exceeds it. */
    static final double WINDOW_P99_LIMIT_MS = 25;

    @Override
    String name() {
        return "fanout";
    }

    private final LongAdder receivedAll = new LongAdder();
    private final LongAdder receivedMeasured = new LongAdder();
    private final LongAdder unstamped = new LongAdder();
    private final LongAdder errorFrames = new LongAdder();
    private final Map<Integer, AtomicInteger> closes = new ConcurrentHashMap<>();
    private final LatencyRecorder perSecond = new LatencyRecorder();
    private final LatencyRecorder measured = new LatencyRecorder();
    private volatile long measureStart = Long.MAX_VALUE;

    @Override
    void check() {
        Limits.checkClients(clients);
        if (serversPerClient < 1 || serversPerClient > servers) {
            throw new IllegalArgumentException("--servers-per-client must be 1..--servers");
        }
        if (!maxRate() && (frameRate() <= 0 || frameRate() > 1_000_000)) {
            throw new IllegalArgumentException("--rate must be a positive number of frames per second or 'max'");
        }
        if (duration < 1 || duration > 3600 || warmupSeconds < 0 || warmupSeconds > 600) {
            throw new IllegalArgumentException("--duration must be 1..3600 and --warmup-seconds 0..600");
        }
    }

    private boolean maxRate() {
        return rate.equalsIgnoreCase("max");
    }

    private double frameRate() {
        return maxRate() ? 0 : Double.parseDouble(rate);
    }

    /** With --rate max: deliveries outstanding before publishing pauses. */
    private long window() {
        return maxInFlight > 0 ? maxInFlight : 2L * clients * serversPerClient;
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("servers", servers);
        opts.put("serversPerClient", serversPerClient);
        opts.put("rate", maxRate() ? "max" : frameRate());
        opts.put("maxInFlightDeliveries", maxRate() ? window() : null);
        opts.put("durationSeconds", duration);
        opts.put("warmupSeconds", warmupSeconds);
        opts.put("payloadBytes", payloadBytes);
        return opts;
    }

    @Override
    void load(BenchRun run, FixtureDatabase db) {
        run.note("loading %d users, %d servers, memberships", clients, servers);
        db.populate(clients, servers);
        db.addSharedMemberships(clients, servers, serversPerClient);
    }

    @Override
    void measure(BenchRun run, Rig rig) throws Exception {
        List<BenchClient> all = clients(rig.db());
        run.note("connecting %d clients", clients);
        Phase phase = connect(run, rig.fleet(), all, concurrency);
        Channels channels = channels(run, all);
        Publisher publisher = new Publisher(rig.relay(), run.redis(), channels);
        Sampler sampler = run.sampler()
                .counter("delivered", receivedAll::sum)
                .counter("published", publisher.publishedAll::get)
                .start();
        Thread thread = Thread.ofPlatform().name("bench-publisher").start(publisher);
        LatencySeries latency = new LatencySeries();
        LatencyWindows windows = new LatencyWindows();
        watch(run, sampler, thread, publisher.time, latency, windows);
        thread.join(Duration.ofSeconds(5));
        CpuMark atEnd = CpuMark.take(rig.relay(), run.redis());
        double drainSeconds = drain(publisher);
        latency.add(sampler.elapsed(), perSecond.interval());
        sampler.sample();
        sampler.close();

        Outcome o = new Outcome(phase, channels, publisher, receivedMeasured.sum(), atEnd, drainSeconds, measured.interval(),
                windows.summary(warmupSeconds, warmupSeconds + duration, WINDOW_P99_LIMIT_MS), closeCodes(), latency,
                sampler.toJson());
        summarize(run, o);
        record(run, o);
        rig.fleet().closeAll(all, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "fanout: %d clients, %d servers, %s, %d-byte frames", phase.ready(), servers,
                maxRate() ? "rate max" : rate + " frames/s", channels.frameBytes()), charts(o));
    }

    /** Client i subscribes to its shared servers ({@link Layouts#sharedServerIndexes}). */
    private List<BenchClient> clients(FixtureDatabase db) {
        BenchClient.Events events = events();
        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int[] idx = Layouts.sharedServerIndexes(i, servers, serversPerClient);
            String[] ids = new String[idx.length];
            for (int k = 0; k < idx.length; k++) {
                ids[k] = FixtureDatabase.serverId(idx[k]);
            }
            all.add(new BenchClient(i, db.token(i), ids, events));
        }
        return all;
    }

    /** Counts every stamped server:sync and its latency; those sent after the warm-up count as measured. */
    private BenchClient.Events events() {
        return new BenchClient.Events() {
            @Override
            public void sync(BenchClient client, ByteBuffer payload, long receivedNanos) {
                long sent = Frames.sentNanos(payload);
                if (sent < 0) {
                    unstamped.increment();
                    return;
                }
                long micros = Math.max(0, (receivedNanos - sent) / 1000);
                perSecond.record(micros);
                receivedAll.increment();
                if (sent >= measureStart) {
                    measured.record(micros);
                    receivedMeasured.increment();
                }
            }

            @Override
            public void closedAfterReady(BenchClient client, int code, String reason) {
                closes.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void errorFrame(BenchClient client, String text) {
                errorFrames.increment();
            }
        };
    }

    /** Per server: its Redis channel, its frame, and the ready clients that watch it (deliveries per frame). */
    private record Channels(byte[][] names, Frames.Stamped[] templates, long[] watchers) {
        int frameBytes() {
            return templates[0].size();
        }
    }

    /** The servers' channels and frames, once the relay has subscribed each channel that has a watcher. */
    private Channels channels(BenchRun run, List<BenchClient> all) throws InterruptedException {
        long[] watchers = new long[servers];
        for (BenchClient c : all) {
            if (c.subscribedAll >= 0) {
                for (int s : Layouts.sharedServerIndexes(c.index, servers, serversPerClient)) {
                    watchers[s]++;
                }
            }
        }
        byte[][] channels = new byte[servers][];
        String[] channelNames = new String[servers];
        Frames.Stamped[] templates = new Frames.Stamped[servers];
        ProtocolCodec codec = new ProtocolCodec();
        for (int s = 0; s < servers; s++) {
            channelNames[s] = run.names().serverChannel(FixtureDatabase.serverId(s));
            channels[s] = channelNames[s].getBytes(StandardCharsets.UTF_8);
            templates[s] = Frames.Stamped.sync(codec, FixtureDatabase.serverId(s), s, payloadBytes);
        }
        RedisProbes.awaitRelaySubscribed(run, run.redis(), channelNames, watchers);
        return new Channels(channels, templates, watchers);
    }

    /** CPU used so far by the relay, this generator, Redis and the whole machine, and by each relay thread. */
    private record CpuMark(ProcStats relay, double bench, double redis, double machine, Map<String, Double> threads) {
        static CpuMark take(RelayProcess relay, RedisClient redis) {
            ProcStats stats = relay.stats();
            double bench = Sampler.benchCpuSeconds();
            double redisCpu = RedisProbes.redisCpuSeconds(redis);
            double machine = ProcStats.machineBusySeconds();
            return new CpuMark(stats, bench, redisCpu, machine, relay.threadCpuMillis());
        }
    }

    /**
     * Publishes the frames round-robin over the servers, at --rate or (max) whenever fewer than the
     * window of deliveries are outstanding, for the warm-up and the measured seconds; counts the
     * deliveries it expects, and takes the CPU mark where measuring starts.
     */
    private final class Publisher implements Runnable {
        final AtomicLong expectedAll = new AtomicLong();
        final AtomicLong expectedMeasured = new AtomicLong();
        final AtomicLong publishedMeasured = new AtomicLong();
        final AtomicLong publishedAll = new AtomicLong();
        final Timeline time = Timeline.startingNow(warmupSeconds, duration);
        private final double interval = maxRate() ? 0 : 1e9 / frameRate();
        private final RelayProcess relay;
        private final RedisClient redis;
        private final Channels channels;
        volatile CpuMark atMeasureStart;

        Publisher(RelayProcess relay, RedisClient redis, Channels channels) {
            this.relay = relay;
            this.redis = redis;
            this.channels = channels;
        }

        @Override
        public void run() {
            long seq = 0;
            while (true) {
                long now = System.nanoTime();
                if (atMeasureStart == null && now >= time.measureFrom()) {
                    atMeasureStart = CpuMark.take(relay, redis);
                    measureStart = now;
                }
                if (now >= time.end()) {
                    break;
                }
                if (!waited(seq, now)) {
                    publish(seq++);
                }
            }
        }

        /** Parks briefly if frame {@code seq} is not due yet, or too many deliveries are outstanding; true if it did. */
        private boolean waited(long seq, long now) {
            if (maxRate()) {
                if (expectedAll.get() - receivedAll.sum() > window()) {
                    LockSupport.parkNanos(200_000);
                    return true;
                }
                return false;
            }
            long due = time.start() + (long) (seq * interval);
            if (due > now) {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                return true;
            }
            return false;
        }

        private void publish(long seq) {
            int s = (int) (seq % servers);
            long stamp = System.nanoTime();
            byte[] frame = channels.templates[s].stamp(stamp);
            expectedAll.addAndGet(channels.watchers[s]);
            if (stamp >= measureStart) {
                expectedMeasured.addAndGet(channels.watchers[s]);
                publishedMeasured.incrementAndGet();
            }
            try {
                redis.publish(channels.names[s], frame);
            } catch (RuntimeException e) {
                System.err.println("publish failed: " + e);
                LockSupport.parkNanos(100_000_000);
            }
            publishedAll.incrementAndGet();
        }
    }

    /** While publishing: each second's latency, as chart points and as windows; a thread dump halfway if asked. */
    private void watch(BenchRun run, Sampler sampler, Thread thread, Timeline time, LatencySeries latency,
                       LatencyWindows windows) throws Exception {
        long windowStart = System.nanoTime();
        boolean dumped = false;
        long secondsLimit = warmupSeconds + duration + drainTimeoutSeconds + 5L;
        for (long tick = 0; tick < secondsLimit * 4 && thread.isAlive(); tick++) {
            thread.join(Duration.ofMillis(1000));
            Histogram interval = perSecond.interval();
            long windowEnd = System.nanoTime();
            windows.add((windowStart - time.start()) / 1e9, (windowEnd - time.start()) / 1e9, interval);
            windowStart = windowEnd;
            latency.add(sampler.elapsed(), interval);
            if (common.threadDump && !dumped && System.nanoTime() > time.measureFrom() + (time.end() - time.measureFrom()) / 2) {
                dumped = true;
                run.note("thread dump: %s", run.threadDump("fanout"));
            }
        }
    }

    /** Waits for what is still on its way, bounded, and stops early when nothing moves for 3 s; returns its seconds. */
    private double drain(Publisher p) throws InterruptedException {
        long publishEnd = System.nanoTime();
        long drainDeadline = publishEnd + drainTimeoutSeconds * 1_000_000_000L;
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < drainDeadline && receivedAll.sum() < p.expectedAll.get()) {
            Thread.sleep(100);
            long now = receivedAll.sum();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > 3_000_000_000L) {
                break;
            }
        }
        return (System.nanoTime() - publishEnd) / 1e9;
    }

    private Map<Integer, Integer> closeCodes() {
        Map<Integer, Integer> closeCodes = new TreeMap<>();
        closes.forEach((k, v) -> closeCodes.put(k, v.get()));
        return closeCodes;
    }

    /** Everything measured over the {@code --duration} measured seconds, and the figures derived from it. */
    private record Outcome(Phase phase, Channels channels, Publisher publisher, long received, CpuMark atEnd, double drainSeconds,
                           Histogram latency, Map<String, Object> worstWindow, Map<Integer, Integer> closeCodes,
                           LatencySeries perSecond, List<Map<String, Object>> rows) {
        CpuMark atStart() {
            return publisher.atMeasureStart;
        }

        long published() {
            return publisher.publishedMeasured.get();
        }

        long expected() {
            return publisher.expectedMeasured.get();
        }

        double relayCpu() {
            return atEnd.relay.cpuSeconds() - atStart().relay.cpuSeconds();
        }

        double lossPercent() {
            return expected() == 0 ? 0 : 100.0 * (expected() - received) / expected();
        }

        Map<String, Double> threadCpu() {
            return atStart() == null ? Map.of() : RelayProcess.threadCpuDelta(atStart().threads, atEnd.threads, 8);
        }
    }

    private void summarize(BenchRun run, Outcome o) {
        double seconds = duration;
        long received = o.received();
        double relayCpu = o.relayCpu();
        double benchCpu = o.atEnd().bench() - o.atStart().bench();
        double redisCpu = o.atEnd().redis() - o.atStart().redis();
        Histogram h = o.latency();
        Map<String, Object> worst = o.worstWindow();
        run.line("fanout: %d clients (%d failed to connect), %d servers, %d per client, %s, frames of %d bytes, %d s measured after %d s warm-up",
                o.phase().ready(), o.phase().failed(), servers, serversPerClient,
                maxRate() ? "rate max (<= " + window() + " deliveries in flight)" : String.format(Locale.ROOT, "%.0f frames/s", frameRate()),
                o.channels().frameBytes(), duration, warmupSeconds);
        run.line("  published %d frames (%.0f/s) -> expected %d deliveries, received %d: %.0f deliveries/s | relay CPU %.2f s (%.0f%% of one core), RSS %.1f MiB",
                o.published(), o.published() / seconds, o.expected(), received, received / seconds,
                relayCpu, 100 * relayCpu / seconds, o.atEnd().relay().rssMiB());
        run.line("  loss %d (%.4f%%) after %.1f s drain | closes after ready %s | error frames %d",
                o.expected() - received, o.lossPercent(), o.drainSeconds(), o.closeCodes(), errorFrames.sum());
        run.line("  latency publish->receive p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f ms (n=%d)",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                h.getTotalCount());
        run.line("  per one-second window (%s measured): worst p99 %s ms at %s s, %s windows with p99 over %.0f ms",
                worst.get("windows"), worst.get("worstP99Ms"), worst.get("worstAtSeconds"),
                worst.get("windowsOverThreshold"), WINDOW_P99_LIMIT_MS);
        run.line("  %.0f deliveries per relay CPU-second | generator CPU %.2f s (%.0f%%), Redis CPU %.2f s (%.0f%%), whole machine %.0f%% of %d00%%",
                relayCpu > 0 ? received / relayCpu : 0, benchCpu, 100 * benchCpu / seconds, redisCpu, 100 * redisCpu / seconds,
                100 * (o.atEnd().machine() - o.atStart().machine()) / seconds, Runtime.getRuntime().availableProcessors());
        run.line("  relay CPU by thread (ms, /proc): %s", o.threadCpu());
    }

    private void record(BenchRun run, Outcome o) {
        double seconds = duration;
        long received = o.received();
        Map<String, Object> r = run.results;
        r.put("ready", o.phase().ready());
        r.put("failed", o.phase().failed());
        r.put("connectFailures", o.phase().failures());
        r.put("frameBytes", o.channels().frameBytes());
        r.put("watchersPerServer", o.channels().watchers());
        r.put("measuredSeconds", seconds);
        r.put("publishedFrames", o.published());
        r.put("publishedFramesPerSecond", Percentiles.round(o.published() / seconds));
        r.put("expectedDeliveries", o.expected());
        r.put("receivedDeliveries", received);
        r.put("deliveredPerSecond", Math.round(received / seconds));
        r.put("lost", o.expected() - received);
        r.put("lossPercent", o.expected() == 0 ? 0 : Percentiles.round(o.lossPercent()));
        r.put("drainSeconds", Percentiles.round(o.drainSeconds()));
        r.put("unstampedSyncFrames", unstamped.sum());
        r.put("closesAfterReady", o.closeCodes());
        r.put("errorFrames", errorFrames.sum());
        r.put("latency", latency(o.latency()));
        r.put("windowP99", o.worstWindow());
        recordCpu(r, o);
        r.put("samples", o.rows());
    }

    private static Map<String, Object> latency(Histogram h) {
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("count", h.getTotalCount());
        lat.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
        lat.put("p90Ms", h.getValueAtPercentile(90) / 1000.0);
        lat.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
        lat.put("p99.9Ms", h.getValueAtPercentile(99.9) / 1000.0);
        lat.put("maxMs", h.getMaxValue() / 1000.0);
        lat.put("meanMs", Percentiles.round(h.getMean() / 1000.0));
        return lat;
    }

    private void recordCpu(Map<String, Object> r, Outcome o) {
        double relayCpu = o.relayCpu();
        r.put("relayCpuSeconds", Percentiles.round(relayCpu));
        r.put("relayCpuPercentOfOneCore", Percentiles.round(100 * relayCpu / duration));
        r.put("deliveriesPerRelayCpuSecond", relayCpu > 0 ? Math.round(o.received() / relayCpu) : null);
        r.put("relayAtStart", BenchRun.stats(o.atStart().relay()));
        r.put("relayAtEnd", BenchRun.stats(o.atEnd().relay()));
        r.put("generatorCpuSeconds", Percentiles.round(o.atEnd().bench() - o.atStart().bench()));
        r.put("redisCpuSeconds", Percentiles.round(o.atEnd().redis() - o.atStart().redis()));
        r.put("machineCpuSeconds", Percentiles.round(o.atEnd().machine() - o.atStart().machine()));
        r.put("relayThreadCpuMs", o.threadCpu());
    }

    private static List<Chart.Panel> charts(Outcome o) {
        return List.of(new Chart.Panel("Deliveries per second", "seconds", "per second",
                        List.of(Series.field("delivered/s", o.rows(), "deliveredPerSecond"))),
                new Chart.Panel("Publish-to-receive latency per second", "seconds", "milliseconds", o.perSecond().series()),
                new Chart.Panel("CPU (% of one core) and relay RSS", "seconds", "% / MiB", Series.cpuAndRss(o.rows())));
    }
}
