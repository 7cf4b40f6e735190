package io.stellarrelay.bench;

import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.TickReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Time from sending subscribe to the first server:sync of that server, with a real poller ticking at
 * its normal interval and the relay as it is: the subscribes are spread evenly over a couple of poll
 * intervals, so the figure samples every phase of the poller's cycle.
 */
@Command(name = "first-sync", mixinStandardHelpOptions = true,
        description = "Subscribe -> first server:sync, with a real poller at its interval (subscribes spread over the cycle).")
final class FirstSyncScenario extends ClientScenario {
    @Option(names = "--clients", description = "Clients (one user and own servers each) (default: ${DEFAULT-VALUE}).")
    int clients = 200;

    @Option(names = "--servers-per-client", description = "Servers each client subscribes to (default: ${DEFAULT-VALUE}).")
    int serversPerClient = 1;

    @Option(names = "--spread-ms", description = "Subscribes are sent evenly over this long (default: two poll intervals).")
    long spreadMs = -1;

    @Option(names = "--concurrency", description = "Connection attempts in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 200;

    @Option(names = "--waves", description = "1: subscribes to servers nobody watches yet (cold); 2: then a second connection per server subscribes while the first still watches (warm: a second tab, a reconnect) (default: ${DEFAULT-VALUE}).")
    int waves = 2;

    @Option(names = "--poller", description = "process: java -jar poller/target/stellar-poller.jar (the same build as the relay); in-process: the Poller class this tool was built with (default: ${DEFAULT-VALUE}).")
    String pollerMode = "process";

    /** The in-process poller (--poller in-process), else null. */
    private Poller poller;

    /** The poller process (--poller process), else null. */
    private RelayProcess pollerProcess;

    @Override
    String name() {
        return "first-sync";
    }

    @Override
    void check() {
        Limits.checkClients(clients);
        if (!pollerMode.equals("process") && !pollerMode.equals("in-process")) {
            throw new IllegalArgumentException("--poller must be process or in-process");
        }
    }

    private long spread() {
        return spreadMs >= 0 ? spreadMs : 2 * common.pollIntervalMs;
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("spreadMs", spread());
        opts.put("pollIntervalMs", common.pollIntervalMs);
        return opts;
    }

    @Override
    void load(BenchRun run, FixtureDatabase db) {
        loadOwnServers(run, db, clients, serversPerClient);
    }

    @Override
    void startBeside(BenchRun run) throws Exception {
        if (pollerMode.equals("in-process")) {
            poller = run.poller().start();
        } else {
            pollerProcess = run.startPollerProcess();
        }
    }

    @Override
    void measure(BenchRun run, Rig rig) throws Exception {
        List<BenchClient> all = wave(rig.db(), 0);
        run.note("connecting and authenticating %d clients", clients);
        Phase phase = connect(run, rig.fleet(), all, concurrency);
        Usage before = Usage.of(rig.relay(), pollerProcess);
        Sampler sampler = run.sampler().counter("firstSyncs", () -> countFirstSyncs(all));
        if (poller != null) {
            sampler.counter("pollerTicks", poller::ticksRun);
        }
        sampler.start();
        run.note("sending subscribes over %d ms (poll interval %d ms)", spread(), common.pollIntervalMs);
        long t0 = subscribeSpread(all);
        awaitFirstSyncs(all, phase.ready() * serversPerClient);
        List<BenchClient> second = waves >= 2 ? wave(rig.db(), clients) : List.of();
        Wave warm = waves >= 2 ? warmWave(run, rig.fleet(), second) : null;
        Usage after = Usage.of(rig.relay(), pollerProcess);
        TickReport lastTick = poller == null ? null : poller.lastReport();
        sampler.sample();
        sampler.close();

        Outcome o = new Outcome(phase, Wave.of(all, t0), warm, subscribedReply(all), before, after, lastTick,
                (System.nanoTime() - t0) / 1e9, sampler.toJson());
        summarize(run, o);
        record(run, o);
        rig.fleet().closeAll(all, Duration.ofSeconds(10));
        rig.fleet().closeAll(second, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "first-sync: %d clients, poll interval %d ms, poller %s", phase.ready(),
                common.pollIntervalMs, pollerMode), charts(o));
    }

    /** One connection per user, numbered from {@code firstIndex}, that subscribes only when told to. */
    private List<BenchClient> wave(FixtureDatabase db, int firstIndex) {
        List<BenchClient> wave = ownedClients(db, firstIndex, clients, clients, serversPerClient);
        wave.forEach(c -> c.subscribeOnAuth(false));
        return wave;
    }

    /** Sends every client's subscribes, evenly spread over {@link #spread()}; returns when the first went (nanoTime). */
    private long subscribeSpread(List<BenchClient> wave) {
        long t0 = System.nanoTime();
        for (int i = 0; i < wave.size(); i++) {
            long due = t0 + (clients == 1 ? 0 : spread() * 1_000_000L * i / (clients - 1));
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 50_000_000L));
            }
            wave.get(i).subscribeAll();
        }
        return t0;
    }

    /** Waits until {@code expected} first syncs arrived, for three poll intervals and 10 s at most. */
    private void awaitFirstSyncs(List<BenchClient> wave, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + (3 * common.pollIntervalMs + 10_000) * 1_000_000L;
        while (System.nanoTime() < deadline && countFirstSyncs(wave) < expected) {
            Thread.sleep(50);
        }
    }

    /**
     * Wave 2: the same users open a second connection and subscribe to the same servers, which are
     * watched (by wave 1) at that moment.
     */
    private Wave warmWave(BenchRun run, ClientFleet fleet, List<BenchClient> second) throws InterruptedException {
        run.note("wave 2: a second connection per user subscribes to the same (now watched) servers");
        Phase phase2 = fleet.connectAll(second, concurrency, phaseTimeout());
        long t2 = subscribeSpread(second);
        awaitFirstSyncs(second, phase2.ready() * serversPerClient);
        return Wave.of(second, t2);
    }

    /** Relay and poller process (null for an in-process poller) at one moment. */
    private record Usage(ProcStats relay, ProcStats poller) {
        static Usage of(RelayProcess relay, RelayProcess pollerProcess) {
            ProcStats relayStats = relay.stats();
            return new Usage(relayStats, pollerProcess == null ? null : pollerProcess.stats());
        }
    }

    /** One wave's subscribe-to-first-sync times, and each as a point (seconds after the wave's first subscribe, ms). */
    private record Wave(Percentiles firstSync, List<double[]> scatter) {
        static Wave of(List<BenchClient> clients, long t0) {
            List<Long> samples = new ArrayList<>();
            List<double[]> scatter = new ArrayList<>();
            collect(clients, t0, samples, scatter);
            return new Wave(Percentiles.of(samples.stream().mapToLong(Long::longValue).toArray()), scatter);
        }

        double meanIntervals(long interval) {
            return firstSync.mean() / 1e6 / interval;
        }
    }

    private static Percentiles subscribedReply(List<BenchClient> all) {
        List<Long> subscribedReply = new ArrayList<>();
        for (BenchClient c : all) {
            if (c.subscribedAll >= 0 && c.subscribeSent >= 0) {
                subscribedReply.add(c.subscribedAll - c.subscribeSent);
            }
        }
        return Percentiles.of(subscribedReply.stream().mapToLong(Long::longValue).toArray());
    }

    /** Everything measured; {@code warm} is null with --waves 1. */
    private record Outcome(Phase phase, Wave cold, Wave warm, Percentiles reply, Usage before, Usage after,
                           TickReport lastTick, double seconds, List<Map<String, Object>> rows) {
        double cpu() {
            return after.relay.cpuSeconds() - before.relay.cpuSeconds();
        }

        double pollerCpu() {
            return after.poller.cpuSeconds() - before.poller.cpuSeconds();
        }
    }

    private int missing(Outcome o) {
        return o.phase().ready() * serversPerClient - o.cold().firstSync().count();
    }

    private void summarize(BenchRun run, Outcome o) {
        long interval = common.pollIntervalMs;
        Percentiles p = o.cold().firstSync();
        run.line("first-sync: %d clients x %d server(s), subscribes spread over %d ms, poll interval %d ms (%s)",
                o.phase().ready(), serversPerClient, spread(), interval,
                poller != null ? "in-process poller, " + poller.ticksRun() + " ticks" : "poller process " + pollerProcess.pid());
        run.line("  cold (server not watched yet): subscribe -> first server:sync %s; %d never got one", p.summary(), missing(o));
        run.line("  mean %.0f ms = %.2f poll intervals (waiting for the next tick would average 0.5; an immediate sync is ~0)",
                p.mean() / 1e6, o.cold().meanIntervals(interval));
        if (o.warm() != null) {
            run.line("  warm (server already watched on this relay, second connection): subscribe -> first server:sync %s (mean %.2f intervals)",
                    o.warm().firstSync().summary(), o.warm().meanIntervals(interval));
        }
        run.line("  subscribe -> subscribed reply %s", o.reply().summary());
        run.line("  relay CPU %.2f s over %.1f s (%.0f%% of one core), RSS %.1f MiB | last tick %s", o.cpu(), o.seconds(),
                100 * o.cpu() / o.seconds(), o.after().relay().rssMiB(),
                o.lastTick() == null ? "-" : TickReports.describe(o.lastTick()));
        if (o.after().poller() != null) {
            run.line("  poller process CPU %.2f s, RSS %.1f MiB", o.pollerCpu(), o.after().poller().rssMiB());
        }
    }

    private void record(BenchRun run, Outcome o) {
        long interval = common.pollIntervalMs;
        Percentiles p = o.cold().firstSync();
        Wave warm = o.warm();
        Map<String, Object> r = run.results;
        r.put("ready", o.phase().ready());
        r.put("failed", o.phase().failed());
        r.put("connectFailures", o.phase().failures());
        r.put("firstSync", p.toMillisMap());
        r.put("firstSyncMeanInPollIntervals", p.count() == 0 ? null : Percentiles.round(o.cold().meanIntervals(interval)));
        r.put("missing", missing(o));
        r.put("warmFirstSync", warm == null ? null : warm.firstSync().toMillisMap());
        r.put("warmFirstSyncMeanInPollIntervals", warm == null || warm.firstSync().count() == 0 ? null
                : Percentiles.round(warm.meanIntervals(interval)));
        r.put("subscribedReply", o.reply().toMillisMap());
        r.put("poller", poller != null ? "in-process" : "process");
        r.put("pollerTicks", poller == null ? null : poller.ticksRun());
        r.put("pollerProcessCpuSeconds", o.after().poller() == null ? null : Percentiles.round(o.pollerCpu()));
        r.put("lastTick", o.lastTick() == null ? null : TickReports.toMap(o.lastTick()));
        r.put("relayCpuSeconds", Percentiles.round(o.cpu()));
        r.put("relayBefore", BenchRun.stats(o.before().relay()));
        r.put("relayAfter", BenchRun.stats(o.after().relay()));
        r.put("samples", o.rows());
    }

    private static List<Chart.Panel> charts(Outcome o) {
        List<Chart.Series> cdfs = new ArrayList<>(List.of(Series.cdf("cold: first sync", o.cold().firstSync()),
                Series.cdf("subscribed reply", o.reply())));
        List<Chart.Series> scatters = new ArrayList<>(List.of(Chart.Series.of("cold (wave 1)", o.cold().scatter())));
        if (o.warm() != null) {
            cdfs.add(Series.cdf("warm: first sync", o.warm().firstSync()));
            scatters.add(Chart.Series.of("warm (wave 2)", o.warm().scatter()));
        }
        return List.of(new Chart.Panel("Subscribe -> first server:sync (CDF)", "milliseconds", "% of subscriptions", cdfs),
                new Chart.Panel("First-sync time by moment of subscribing", "seconds after the first subscribe of the wave",
                        "milliseconds", scatters),
                new Chart.Panel("Relay", "seconds", "% / MiB",
                        List.of(Series.field("relay CPU %", o.rows(), "relayCpuPercent"),
                                Series.field("relay RSS MiB", o.rows(), "relayRssMiB"))));
    }

    /** Subscribe-to-first-sync of every subscription of {@code clients}, and (send time since t0, ms) points. */
    private static void collect(List<BenchClient> clients, long t0, List<Long> samples, List<double[]> scatter) {
        for (BenchClient c : clients) {
            for (int k = 0; k < c.servers.length; k++) {
                long sent = c.subscribeSentAt.get(k);
                long got = c.firstSyncAt.get(k);
                if (sent >= 0 && got >= 0) {
                    samples.add(got - sent);
                    scatter.add(new double[] {(sent - t0) / 1e9, (got - sent) / 1e6});
                }
            }
        }
    }

    private static long countFirstSyncs(List<BenchClient> all) {
        long n = 0;
        for (BenchClient c : all) {
            for (int k = 0; k < c.servers.length; k++) {
                if (c.firstSyncAt.get(k) >= 0) {
                    n++;
                }
            }
        }
        return n;
    }
}
