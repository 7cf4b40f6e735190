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
final class FanoutScenario extends Scenario {
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
    void run(BenchRun run) throws Exception {
        Limits.checkClients(clients);
        if (serversPerClient < 1 || serversPerClient > servers) {
            throw new IllegalArgumentException("--servers-per-client must be 1..--servers");
        }
        boolean max = rate.equalsIgnoreCase("max");
        double frameRate = max ? 0 : Double.parseDouble(rate);
        if (!max && (frameRate <= 0 || frameRate > 1_000_000)) {
            throw new IllegalArgumentException("--rate must be a positive number of frames per second or 'max'");
        }
        if (duration < 1 || duration > 3600 || warmupSeconds < 0 || warmupSeconds > 600) {
            throw new IllegalArgumentException("--duration must be 1..3600 and --warmup-seconds 0..600");
        }
        long window = maxInFlight > 0 ? maxInFlight : 2L * clients * serversPerClient;
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("servers", servers);
        opts.put("serversPerClient", serversPerClient);
        opts.put("rate", max ? "max" : frameRate);
        opts.put("maxInFlightDeliveries", max ? window : null);
        opts.put("durationSeconds", duration);
        opts.put("warmupSeconds", warmupSeconds);
        opts.put("payloadBytes", payloadBytes);
        run.report.put("options", opts);

        FixtureDatabase db = run.database();
        run.note("loading %d users, %d servers, memberships", clients, servers);
        db.populate(clients, servers);
        db.addSharedMemberships(clients, servers, serversPerClient);
        RelayProcess relay = run.startRelay();
        ClientFleet fleet = run.fleet();

        BenchClient.Events events = new BenchClient.Events() {
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
        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int[] idx = Layouts.sharedServerIndexes(i, servers, serversPerClient);
            String[] ids = new String[idx.length];
            for (int k = 0; k < idx.length; k++) {
                ids[k] = FixtureDatabase.serverId(idx[k]);
            }
            all.add(new BenchClient(i, db.token(i), ids, events));
        }
        run.note("connecting %d clients", clients);
        Phase phase = fleet.connectAll(all, concurrency, Duration.ofSeconds(common.phaseTimeoutSeconds));
        run.note("%d ready, %d failed %s", phase.ready(), phase.failed(), phase.failures().isEmpty() ? "" : phase.failures());
        if (phase.ready() == 0) {
            throw new IllegalStateException("no client could connect: " + phase.failures());
        }
        // Expected deliveries per frame of each server: the ready clients that subscribed to it.
        long[] watchers = new long[servers];
        for (BenchClient c : all) {
            if (c.subscribedAll >= 0) {
                for (int s : Layouts.sharedServerIndexes(c.index, servers, serversPerClient)) {
                    watchers[s]++;
                }
            }
        }
        RedisClient redis = run.redis();
        byte[][] channels = new byte[servers][];
        String[] channelNames = new String[servers];
        Frames.Stamped[] templates = new Frames.Stamped[servers];
        ProtocolCodec codec = new ProtocolCodec();
        for (int s = 0; s < servers; s++) {
            channelNames[s] = run.names().serverChannel(FixtureDatabase.serverId(s));
            channels[s] = channelNames[s].getBytes(StandardCharsets.UTF_8);
            templates[s] = Frames.Stamped.sync(codec, FixtureDatabase.serverId(s), s, payloadBytes);
        }
        RedisProbes.awaitRelaySubscribed(run, redis, channelNames, watchers);

        AtomicLong expectedAll = new AtomicLong();
        AtomicLong expectedMeasured = new AtomicLong();
        AtomicLong publishedMeasured = new AtomicLong();
        AtomicLong publishedAll = new AtomicLong();
        ProcStats[] window0 = new ProcStats[1];
        double[] benchCpu0 = new double[1];
        double[] redisCpu0 = new double[1];
        double[] machine0 = new double[1];
        List<Map<String, Double>> threads0 = new ArrayList<>();
        long start = System.nanoTime();
        long measureFrom = start + warmupSeconds * 1_000_000_000L;
        long end = measureFrom + duration * 1_000_000_000L;
        Sampler sampler = run.sampler()
                .counter("delivered", receivedAll::sum)
                .counter("published", publishedAll::get)
                .start();
        Thread publisher = Thread.ofPlatform().name("bench-publisher").start(() -> {
            long seq = 0;
            double interval = max ? 0 : 1e9 / frameRate;
            boolean measuring = false;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= measureFrom) {
                    measuring = true;
                    window0[0] = relay.stats();
                    benchCpu0[0] = Sampler.benchCpuSeconds();
                    redisCpu0[0] = RedisProbes.redisCpuSeconds(redis);
                    machine0[0] = ProcStats.machineBusySeconds();
                    measureStart = now;
                    threads0.add(relay.threadCpuMillis());
                }
                if (now >= end) {
                    break;
                }
                if (max) {
                    if (expectedAll.get() - receivedAll.sum() > window) {
                        LockSupport.parkNanos(200_000);
                        continue;
                    }
                } else {
                    long due = start + (long) (seq * interval);
                    if (due > now) {
                        LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                        continue;
                    }
                }
                int s = (int) (seq % servers);
                long stamp = System.nanoTime();
                byte[] frame = templates[s].stamp(stamp);
                expectedAll.addAndGet(watchers[s]);
                if (stamp >= measureStart) {
                    expectedMeasured.addAndGet(watchers[s]);
                    publishedMeasured.incrementAndGet();
                }
                try {
                    redis.publish(channels[s], frame);
                } catch (RuntimeException e) {
                    System.err.println("publish failed: " + e);
                    LockSupport.parkNanos(100_000_000);
                }
                publishedAll.incrementAndGet();
                seq++;
            }
        });
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        List<double[]> pMax = new ArrayList<>();
        LatencyWindows windows = new LatencyWindows();
        long windowStart = System.nanoTime();
        Histogram interval = null;
        boolean dumped = false;
        long secondsLimit = warmupSeconds + duration + drainTimeoutSeconds + 5L;
        for (long tick = 0; tick < secondsLimit * 4 && publisher.isAlive(); tick++) {
            publisher.join(Duration.ofMillis(1000));
            interval = perSecond.interval();
            long windowEnd = System.nanoTime();
            windows.add((windowStart - start) / 1e9, (windowEnd - start) / 1e9, interval);
            windowStart = windowEnd;
            double t = sampler.elapsed();
            if (interval.getTotalCount() > 0) {
                p50.add(new double[] {t, interval.getValueAtPercentile(50) / 1000.0});
                p99.add(new double[] {t, interval.getValueAtPercentile(99) / 1000.0});
                pMax.add(new double[] {t, interval.getMaxValue() / 1000.0});
            }
            if (common.threadDump && !dumped && System.nanoTime() > measureFrom + (end - measureFrom) / 2) {
                dumped = true;
                run.note("thread dump: %s", run.threadDump("fanout"));
            }
        }
        publisher.join(Duration.ofSeconds(5));
        ProcStats window1 = relay.stats();
        double benchCpu1 = Sampler.benchCpuSeconds();
        double redisCpu1 = RedisProbes.redisCpuSeconds(redis);
        double machine1 = ProcStats.machineBusySeconds();
        Map<String, Double> threadCpu = threads0.isEmpty() ? Map.of()
                : RelayProcess.threadCpuDelta(threads0.get(0), relay.threadCpuMillis(), 8);
        long publishEnd = System.nanoTime();
        // Drain: wait for what is still on its way, bounded, and stop early when nothing moves for 3 s.
        long drainDeadline = publishEnd + drainTimeoutSeconds * 1_000_000_000L;
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < drainDeadline && receivedAll.sum() < expectedAll.get()) {
            Thread.sleep(100);
            long now = receivedAll.sum();
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > 3_000_000_000L) {
                break;
            }
        }
        double drainSeconds = (System.nanoTime() - publishEnd) / 1e9;
        interval = perSecond.interval();
        if (interval.getTotalCount() > 0) {
            double t = sampler.elapsed();
            p50.add(new double[] {t, interval.getValueAtPercentile(50) / 1000.0});
            p99.add(new double[] {t, interval.getValueAtPercentile(99) / 1000.0});
            pMax.add(new double[] {t, interval.getMaxValue() / 1000.0});
        }
        sampler.sample();
        sampler.close();

        double seconds = (window1 == null || window0[0] == null) ? duration : duration;
        long expected = expectedMeasured.get();
        long received = receivedMeasured.sum();
        double relayCpu = window1.cpuSeconds() - window0[0].cpuSeconds();
        double benchCpu = benchCpu1 - benchCpu0[0];
        double redisCpu = redisCpu1 - redisCpu0[0];
        double machineCpu = machine1 - machine0[0];
        double deliveredPerSecond = received / seconds;
        Histogram h = measured.interval();
        Map<String, Object> worstWindow = windows.summary(warmupSeconds, warmupSeconds + duration, WINDOW_P99_LIMIT_MS);
        Map<Integer, Integer> closeCodes = new TreeMap<>();
        closes.forEach((k, v) -> closeCodes.put(k, v.get()));

        run.line("fanout: %d clients (%d failed to connect), %d servers, %d per client, %s, frames of %d bytes, %d s measured after %d s warm-up",
                phase.ready(), phase.failed(), servers, serversPerClient,
                max ? "rate max (<= " + window + " deliveries in flight)" : String.format(Locale.ROOT, "%.0f frames/s", frameRate),
                templates[0].size(), duration, warmupSeconds);
        run.line("  published %d frames (%.0f/s) -> expected %d deliveries, received %d: %.0f deliveries/s | relay CPU %.2f s (%.0f%% of one core), RSS %.1f MiB",
                publishedMeasured.get(), publishedMeasured.get() / seconds, expected, received, deliveredPerSecond,
                relayCpu, 100 * relayCpu / seconds, window1.rssMiB());
        run.line("  loss %d (%.4f%%) after %.1f s drain | closes after ready %s | error frames %d",
                expected - received, expected == 0 ? 0 : 100.0 * (expected - received) / expected, drainSeconds,
                closeCodes, errorFrames.sum());
        run.line("  latency publish->receive p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f ms (n=%d)",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                h.getTotalCount());
        run.line("  per one-second window (%s measured): worst p99 %s ms at %s s, %s windows with p99 over %.0f ms",
                worstWindow.get("windows"), worstWindow.get("worstP99Ms"), worstWindow.get("worstAtSeconds"),
                worstWindow.get("windowsOverThreshold"), WINDOW_P99_LIMIT_MS);
        run.line("  %.0f deliveries per relay CPU-second | generator CPU %.2f s (%.0f%%), Redis CPU %.2f s (%.0f%%), whole machine %.0f%% of %d00%%",
                relayCpu > 0 ? received / relayCpu : 0, benchCpu, 100 * benchCpu / seconds, redisCpu, 100 * redisCpu / seconds,
                100 * machineCpu / seconds, Runtime.getRuntime().availableProcessors());
        run.line("  relay CPU by thread (ms, /proc): %s", threadCpu);

        Map<String, Object> r = run.results;
        r.put("ready", phase.ready());
        r.put("failed", phase.failed());
        r.put("connectFailures", phase.failures());
        r.put("frameBytes", templates[0].size());
        r.put("watchersPerServer", watchers);
        r.put("measuredSeconds", seconds);
        r.put("publishedFrames", publishedMeasured.get());
        r.put("publishedFramesPerSecond", Percentiles.round(publishedMeasured.get() / seconds));
        r.put("expectedDeliveries", expected);
        r.put("receivedDeliveries", received);
        r.put("deliveredPerSecond", Math.round(deliveredPerSecond));
        r.put("lost", expected - received);
        r.put("lossPercent", expected == 0 ? 0 : Percentiles.round(100.0 * (expected - received) / expected));
        r.put("drainSeconds", Percentiles.round(drainSeconds));
        r.put("unstampedSyncFrames", unstamped.sum());
        r.put("closesAfterReady", closeCodes);
        r.put("errorFrames", errorFrames.sum());
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("count", h.getTotalCount());
        lat.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
        lat.put("p90Ms", h.getValueAtPercentile(90) / 1000.0);
        lat.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
        lat.put("p99.9Ms", h.getValueAtPercentile(99.9) / 1000.0);
        lat.put("maxMs", h.getMaxValue() / 1000.0);
        lat.put("meanMs", Percentiles.round(h.getMean() / 1000.0));
        r.put("latency", lat);
        r.put("windowP99", worstWindow);
        r.put("relayCpuSeconds", Percentiles.round(relayCpu));
        r.put("relayCpuPercentOfOneCore", Percentiles.round(100 * relayCpu / seconds));
        r.put("deliveriesPerRelayCpuSecond", relayCpu > 0 ? Math.round(received / relayCpu) : null);
        r.put("relayAtStart", BenchRun.stats(window0[0]));
        r.put("relayAtEnd", BenchRun.stats(window1));
        r.put("generatorCpuSeconds", Percentiles.round(benchCpu));
        r.put("redisCpuSeconds", Percentiles.round(redisCpu));
        r.put("machineCpuSeconds", Percentiles.round(machineCpu));
        r.put("relayThreadCpuMs", threadCpu);
        List<Map<String, Object>> rows = sampler.toJson();
        r.put("samples", rows);

        fleet.closeAll(all, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "fanout: %d clients, %d servers, %s, %d-byte frames", phase.ready(), servers,
                        max ? "rate max" : rate + " frames/s", templates[0].size()),
                List.of(new Chart.Panel("Deliveries per second", "seconds", "per second",
                                List.of(Series.field("delivered/s", rows, "deliveredPerSecond"))),
                        new Chart.Panel("Publish-to-receive latency per second", "seconds", "milliseconds",
                                List.of(Chart.Series.of("p50", p50), Chart.Series.of("p99", p99), Chart.Series.of("max", pMax))),
                        new Chart.Panel("CPU (% of one core) and relay RSS", "seconds", "% / MiB",
                                List.of(Series.field("relay CPU %", rows, "relayCpuPercent"),
                                        Series.field("generator CPU %", rows, "benchCpuPercent"),
                                        Series.field("whole machine CPU %", rows, "machineCpuPercent"),
                                        Series.field("relay RSS MiB", rows, "relayRssMiB")))));
    }
}
