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
final class FirstSyncScenario extends Scenario {
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

    @Override
    String name() {
        return "first-sync";
    }

    @Override
    void run(BenchRun run) throws Exception {
        Limits.checkClients(clients);
        long interval = common.pollIntervalMs;
        long spread = spreadMs >= 0 ? spreadMs : 2 * interval;
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("spreadMs", spread);
        opts.put("pollIntervalMs", interval);
        run.report.put("options", opts);

        FixtureDatabase db = run.database();
        run.note("loading %d users, %d servers", clients, clients * serversPerClient);
        db.populate(clients, clients * serversPerClient);
        RelayProcess relay = run.startRelay();
        boolean inProcess = switch (pollerMode) {
            case "process" -> false;
            case "in-process" -> true;
            default -> throw new IllegalArgumentException("--poller must be process or in-process");
        };
        Poller poller = inProcess ? run.poller().start() : null;
        RelayProcess pollerProcess = inProcess ? null : run.startPollerProcess();
        ClientFleet fleet = run.fleet();

        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            BenchClient c = new BenchClient(i, db.token(i), Layouts.ownedServers(i, clients, serversPerClient), null);
            c.subscribeOnAuth(false);
            all.add(c);
        }
        run.note("connecting and authenticating %d clients", clients);
        Phase phase = fleet.connectAll(all, concurrency, Duration.ofSeconds(common.phaseTimeoutSeconds));
        if (phase.ready() == 0) {
            throw new IllegalStateException("no client could connect: " + phase.failures());
        }
        ProcStats before = relay.stats();
        ProcStats pollerBefore = pollerProcess == null ? null : pollerProcess.stats();
        Sampler sampler = run.sampler().counter("firstSyncs", () -> countFirstSyncs(all));
        if (poller != null) {
            sampler.counter("pollerTicks", poller::ticksRun);
        }
        sampler.start();
        run.note("sending subscribes over %d ms (poll interval %d ms)", spread, interval);
        long t0 = System.nanoTime();
        long[] sentAtOffset = new long[clients];
        for (int i = 0; i < clients; i++) {
            long due = t0 + (clients == 1 ? 0 : spread * 1_000_000L * i / (clients - 1));
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 50_000_000L));
            }
            sentAtOffset[i] = System.nanoTime() - t0;
            all.get(i).subscribeAll();
        }
        long deadline = System.nanoTime() + (3 * interval + 10_000) * 1_000_000L;
        int expected = phase.ready() * serversPerClient;
        while (System.nanoTime() < deadline && countFirstSyncs(all) < expected) {
            Thread.sleep(50);
        }
        // Wave 2: the same users open a second connection and subscribe to the same servers, which are
        // watched (by wave 1) at that moment.
        List<BenchClient> second = new ArrayList<>();
        Percentiles warm = null;
        List<double[]> warmScatter = new ArrayList<>();
        long t2 = 0;
        if (waves >= 2) {
            for (int i = 0; i < clients; i++) {
                BenchClient c = new BenchClient(clients + i, db.token(i), Layouts.ownedServers(i, clients, serversPerClient), null);
                c.subscribeOnAuth(false);
                second.add(c);
            }
            run.note("wave 2: a second connection per user subscribes to the same (now watched) servers");
            Phase phase2 = fleet.connectAll(second, concurrency, Duration.ofSeconds(common.phaseTimeoutSeconds));
            t2 = System.nanoTime();
            for (int i = 0; i < second.size(); i++) {
                long due = t2 + (clients == 1 ? 0 : spread * 1_000_000L * i / (clients - 1));
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 50_000_000L));
                }
                second.get(i).subscribeAll();
            }
            long deadline2 = System.nanoTime() + (3 * interval + 10_000) * 1_000_000L;
            int expected2 = phase2.ready() * serversPerClient;
            while (System.nanoTime() < deadline2 && countFirstSyncs(second) < expected2) {
                Thread.sleep(50);
            }
            List<Long> warmSamples = new ArrayList<>();
            collect(second, t2, warmSamples, warmScatter);
            warm = Percentiles.of(warmSamples.stream().mapToLong(Long::longValue).toArray());
        }
        ProcStats after = relay.stats();
        ProcStats pollerAfter = pollerProcess == null ? null : pollerProcess.stats();
        TickReport lastTick = poller == null ? null : poller.lastReport();
        sampler.sample();
        sampler.close();

        List<Long> firstSync = new ArrayList<>();
        List<double[]> scatter = new ArrayList<>();
        List<Long> subscribedReply = new ArrayList<>();
        for (BenchClient c : all) {
            if (c.subscribedAll >= 0 && c.subscribeSent >= 0) {
                subscribedReply.add(c.subscribedAll - c.subscribeSent);
            }
        }
        collect(all, t0, firstSync, scatter);
        Percentiles p = Percentiles.of(firstSync.stream().mapToLong(Long::longValue).toArray());
        Percentiles reply = Percentiles.of(subscribedReply.stream().mapToLong(Long::longValue).toArray());
        double cpu = after.cpuSeconds() - before.cpuSeconds();
        double seconds = (System.nanoTime() - t0) / 1e9;
        int missing = expected - p.count();

        run.line("first-sync: %d clients x %d server(s), subscribes spread over %d ms, poll interval %d ms (%s)",
                phase.ready(), serversPerClient, spread, interval,
                poller != null ? "in-process poller, " + poller.ticksRun() + " ticks" : "poller process " + pollerProcess.pid());
        run.line("  cold (server not watched yet): subscribe -> first server:sync %s; %d never got one", p.summary(), missing);
        run.line("  mean %.0f ms = %.2f poll intervals (waiting for the next tick would average 0.5; an immediate sync is ~0)",
                p.mean() / 1e6, p.mean() / 1e6 / interval);
        if (warm != null) {
            run.line("  warm (server already watched on this relay, second connection): subscribe -> first server:sync %s (mean %.2f intervals)",
                    warm.summary(), warm.mean() / 1e6 / interval);
        }
        run.line("  subscribe -> subscribed reply %s", reply.summary());
        run.line("  relay CPU %.2f s over %.1f s (%.0f%% of one core), RSS %.1f MiB | last tick %s", cpu, seconds,
                100 * cpu / seconds, after.rssMiB(), lastTick == null ? "-" : TickReports.describe(lastTick));
        if (pollerAfter != null) {
            run.line("  poller process CPU %.2f s, RSS %.1f MiB", pollerAfter.cpuSeconds() - pollerBefore.cpuSeconds(),
                    pollerAfter.rssMiB());
        }

        Map<String, Object> r = run.results;
        r.put("ready", phase.ready());
        r.put("failed", phase.failed());
        r.put("connectFailures", phase.failures());
        r.put("firstSync", p.toMillisMap());
        r.put("firstSyncMeanInPollIntervals", p.count() == 0 ? null : Percentiles.round(p.mean() / 1e6 / interval));
        r.put("missing", missing);
        r.put("warmFirstSync", warm == null ? null : warm.toMillisMap());
        r.put("warmFirstSyncMeanInPollIntervals", warm == null || warm.count() == 0 ? null : Percentiles.round(warm.mean() / 1e6 / interval));
        r.put("subscribedReply", reply.toMillisMap());
        r.put("poller", poller != null ? "in-process" : "process");
        r.put("pollerTicks", poller == null ? null : poller.ticksRun());
        r.put("pollerProcessCpuSeconds", pollerAfter == null ? null : Percentiles.round(pollerAfter.cpuSeconds() - pollerBefore.cpuSeconds()));
        r.put("lastTick", lastTick == null ? null : TickReports.toMap(lastTick));
        r.put("relayCpuSeconds", Percentiles.round(cpu));
        r.put("relayBefore", BenchRun.stats(before));
        r.put("relayAfter", BenchRun.stats(after));
        List<Map<String, Object>> rows = sampler.toJson();
        r.put("samples", rows);

        fleet.closeAll(all, Duration.ofSeconds(10));
        fleet.closeAll(second, Duration.ofSeconds(10));
        List<Chart.Series> cdfs = new ArrayList<>(List.of(Series.cdf("cold: first sync", p), Series.cdf("subscribed reply", reply)));
        List<Chart.Series> scatters = new ArrayList<>(List.of(Chart.Series.of("cold (wave 1)", scatter)));
        if (warm != null) {
            cdfs.add(Series.cdf("warm: first sync", warm));
            scatters.add(Chart.Series.of("warm (wave 2)", warmScatter));
        }
        run.finish(String.format(Locale.ROOT, "first-sync: %d clients, poll interval %d ms, poller %s", phase.ready(), interval,
                        pollerMode),
                List.of(new Chart.Panel("Subscribe -> first server:sync (CDF)", "milliseconds", "% of subscriptions",
                                cdfs),
                        new Chart.Panel("First-sync time by moment of subscribing", "seconds after the first subscribe of the wave",
                                "milliseconds", scatters),
                        new Chart.Panel("Relay", "seconds", "% / MiB",
                                List.of(Series.field("relay CPU %", rows, "relayCpuPercent"),
                                        Series.field("relay RSS MiB", rows, "relayRssMiB")))));
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
