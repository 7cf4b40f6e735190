package io.stellarrelay.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N clients connect, authenticate with a token and subscribe to their own servers; reports the time of
 * each step and what the connections cost the relay (RSS and live heap per connection, CPU).
 */
@Command(name = "connections", mixinStandardHelpOptions = true,
        description = "N authenticated, subscribed connections: connect/auth/subscribe percentiles, relay RSS and heap per connection.")
final class ConnectionsScenario extends ClientScenario {
    @Option(names = "--clients", description = "Connections (one user each) (default: ${DEFAULT-VALUE}).")
    int clients = 500;

    @Option(names = "--servers-per-client", description = "Servers each client owns and subscribes to (default: ${DEFAULT-VALUE}).")
    int serversPerClient = 1;

    @Option(names = "--concurrency", description = "Connection attempts in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 200;

    @Option(names = "--warmup-clients", description = "Clients connected and closed before the baseline, so class loading and JIT are not counted per connection (default: ${DEFAULT-VALUE}).")
    int warmupClients = 100;

    @Option(names = "--settle-ms", description = "Pause after everyone is connected before memory is read (default: ${DEFAULT-VALUE}).")
    long settleMs = 2000;

    @Override
    String name() {
        return "connections";
    }

    @Override
    void check() {
        Limits.checkClients(clients);
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("concurrency", concurrency);
        opts.put("warmupClients", warmupClients);
        return opts;
    }

    @Override
    void load(BenchRun run, FixtureDatabase db) {
        loadOwnServers(run, db, clients, serversPerClient);
    }

    @Override
    void measure(BenchRun run, Rig rig) throws Exception {
        List<BenchClient> all = ownedClients(rig.db(), 0, clients, clients, serversPerClient);
        warmUp(run, rig);
        Baseline before = Baseline.afterGc(rig.relay());
        Phase phase = new Phase(clients, concurrency);
        Sampler sampler = run.sampler().counter("ready", phase::ready).start();
        Connecting connecting = connectAll(run, rig, all, phase);
        Held held = hold(run, rig.relay());
        sampler.sample();
        sampler.close();
        Outcome o = new Outcome(before, connecting, held, StepTimes.of(all), sampler.toJson());
        summarize(run, rig.fleet(), o);
        record(run, o);
        rig.fleet().closeAll(all, Duration.ofSeconds(10));
        run.finish("connections: " + o.ok() + " clients, " + serversPerClient + " server(s) each", charts(o));
    }

    /** Connects and closes {@code --warmup-clients} first, so class loading and JIT are not counted per connection. */
    private void warmUp(BenchRun run, Rig rig) throws InterruptedException {
        int warm = Math.min(warmupClients, clients);
        if (warm > 0) {
            List<BenchClient> warmup = ownedClients(rig.db(), 0, warm, clients, serversPerClient);
            run.note("warm-up: %d clients", warm);
            Phase w = rig.fleet().connectAll(warmup, concurrency, phaseTimeout());
            rig.fleet().closeAll(warmup, Duration.ofSeconds(10));
            run.note("warm-up: %d ready, %d failed", w.ready(), w.failed());
            Thread.sleep(1000);
        }
    }

    /** The relay before the clients connect, after a full GC. */
    private record Baseline(ProcStats stats, long heap) {
        static Baseline afterGc(RelayProcess relay) throws Exception {
            relay.fullGc();
            Thread.sleep(500);
            ProcStats stats = relay.stats();
            return new Baseline(stats, relay.heapUsedBytes());
        }
    }

    /** The connecting itself: how long until every attempt settled, and what it cost. */
    private record Connecting(Phase phase, double seconds, ProcStats relay, double machineCpu, double benchCpu,
                              Map<String, Double> threadCpu) {}

    private Connecting connectAll(BenchRun run, Rig rig, List<BenchClient> all, Phase phase) throws Exception {
        RelayProcess relay = rig.relay();
        run.note("connecting %d clients, %d at a time", clients, concurrency);
        Map<String, Double> threads0 = relay.threadCpuMillis();
        double machine0 = ProcStats.machineBusySeconds();
        double bench0 = Sampler.benchCpuSeconds();
        long t0 = System.nanoTime();
        rig.fleet().connectAll(all, phase, phaseTimeout());
        long t1 = phase.lastSettledNanos() > 0 ? phase.lastSettledNanos() : System.nanoTime();
        ProcStats connected = relay.stats();
        double machineCpu = ProcStats.machineBusySeconds() - machine0;
        double benchCpu = Sampler.benchCpuSeconds() - bench0;
        Map<String, Double> threadCpu = RelayProcess.threadCpuDelta(threads0, relay.threadCpuMillis(), 8);
        return new Connecting(phase, (t1 - t0) / 1e9, connected, machineCpu, benchCpu, threadCpu);
    }

    /** The relay holding every connection: after the settle pause, then after a full GC. */
    private record Held(ProcStats stats, int relayCount, long heap, ProcStats afterGc) {}

    private Held hold(BenchRun run, RelayProcess relay) throws Exception {
        Thread.sleep(settleMs);
        ProcStats after = relay.stats();
        int relayCount = relay.connectionCount();
        if (common.threadDump) {
            run.note("thread dump: %s", run.threadDump("connected"));
        }
        relay.fullGc();
        Thread.sleep(500);
        long heapAfter = relay.heapUsedBytes();
        return new Held(after, relayCount, heapAfter, relay.stats());
    }

    /** Everything measured, and the figures per connection derived from it. */
    private record Outcome(Baseline before, Connecting connecting, Held held, StepTimes steps,
                           List<Map<String, Object>> rows) {
        int ok() {
            return connecting.phase.ready();
        }

        double seconds() {
            return connecting.seconds;
        }

        double cpu() {
            return connecting.relay.cpuSeconds() - before.stats.cpuSeconds();
        }

        double rssPerConnection() {
            return ok() == 0 ? 0 : (held.stats.rssBytes() - before.stats.rssBytes()) / (double) ok();
        }

        double heapPerConnection() {
            return ok() == 0 || before.heap < 0 || held.heap < 0 ? -1 : (held.heap - before.heap) / (double) ok();
        }
    }

    private void summarize(BenchRun run, ClientFleet fleet, Outcome o) {
        int ok = o.ok();
        double seconds = o.seconds();
        double cpu = o.cpu();
        Connecting c = o.connecting();
        ProcStats after = o.held().stats();
        run.line("connections: %d ready, %d failed of %d in %.2f s (%.0f connections/s) | relay CPU %.2f s (%.0f%% of one core), RSS %.1f MiB",
                ok, c.phase().failed(), clients, seconds, ok / seconds, cpu, 100 * cpu / seconds, after.rssMiB());
        run.line("  relay says %d open sockets; client sources %s over %d pools", o.held().relayCount(),
                fleet.sourceAddresses().size() + " addresses", fleet.pools());
        run.line("  connect   %s", o.steps().connect().summary());
        run.line("  auth      %s", o.steps().auth().summary());
        run.line("  subscribe %s (%d server%s each)", o.steps().subscribe().summary(), serversPerClient, serversPerClient == 1 ? "" : "s");
        run.line("  total     %s", o.steps().total().summary());
        run.line("  relay RSS %.1f -> %.1f MiB: %.1f KiB per connection (RSS after a full GC: %.1f MiB)",
                o.before().stats().rssMiB(), after.rssMiB(), o.rssPerConnection() / 1024, o.held().afterGc().rssMiB());
        if (o.heapPerConnection() >= 0) {
            run.line("  relay live heap (jcmd GC.heap_info after GC.run) %.1f -> %.1f MiB: %.1f KiB per connection",
                    o.before().heap() / 1048576.0, o.held().heap() / 1048576.0, o.heapPerConnection() / 1024);
        } else {
            run.line("  relay heap: not available (jcmd failed, or the target is not a JVM); RSS only");
        }
        run.line("  CPU per connection: relay %.2f ms, generator %.2f ms; whole machine %.0f%% busy while connecting | relay threads %d, open files %d",
                ok == 0 ? 0 : cpu * 1000 / ok, ok == 0 ? 0 : c.benchCpu() * 1000 / ok, 100 * c.machineCpu() / seconds,
                after.threads(), after.openFiles());
        run.line("  relay CPU by thread while connecting (ms, /proc): %s", c.threadCpu());
        if (!c.phase().failures().isEmpty()) {
            run.line("  failures: %s", c.phase().failures());
        }
    }

    private static void record(BenchRun run, Outcome o) {
        int ok = o.ok();
        double cpu = o.cpu();
        double heapPerConn = o.heapPerConnection();
        Connecting c = o.connecting();
        Map<String, Object> r = run.results;
        r.put("relayThreadCpuMs", c.threadCpu());
        r.put("ready", ok);
        r.put("failed", c.phase().failed());
        r.put("failures", c.phase().failures());
        r.put("relayReportedConnections", o.held().relayCount());
        r.put("seconds", Percentiles.round(o.seconds()));
        r.put("connectionsPerSecond", Percentiles.round(ok / o.seconds()));
        r.put("connect", o.steps().connect().toMillisMap());
        r.put("auth", o.steps().auth().toMillisMap());
        r.put("subscribe", o.steps().subscribe().toMillisMap());
        r.put("total", o.steps().total().toMillisMap());
        r.put("relayCpuSecondsDuringConnect", Percentiles.round(cpu));
        r.put("relayCpuMsPerConnection", ok == 0 ? null : Percentiles.round(cpu * 1000 / ok));
        r.put("generatorCpuSecondsDuringConnect", Percentiles.round(c.benchCpu()));
        r.put("machineCpuSecondsDuringConnect", Percentiles.round(c.machineCpu()));
        r.put("relayBefore", BenchRun.stats(o.before().stats()));
        r.put("relayAfter", BenchRun.stats(o.held().stats()));
        r.put("relayAfterGc", BenchRun.stats(o.held().afterGc()));
        r.put("rssBytesPerConnection", Math.round(o.rssPerConnection()));
        r.put("heapUsedBytesBefore", o.before().heap());
        r.put("heapUsedBytesAfter", o.held().heap());
        r.put("heapBytesPerConnection", heapPerConn < 0 ? null : Math.round(heapPerConn));
        r.put("heapSource", heapPerConn < 0 ? "unavailable: RSS only" : "jcmd <pid> GC.heap_info after jcmd <pid> GC.run (the relay has no heap endpoint)");
        r.put("samples", o.rows());
    }

    private static List<Chart.Panel> charts(Outcome o) {
        StepTimes s = o.steps();
        List<Map<String, Object>> rows = o.rows();
        return List.of(new Chart.Panel("Time per step (CDF)", "milliseconds", "% of clients",
                        List.of(Series.cdf("connect (TCP + upgrade)", s.connect()), Series.cdf("auth", s.auth()),
                                Series.cdf("subscribe", s.subscribe()), Series.cdf("total", s.total()))),
                new Chart.Panel("Ready clients over time", "seconds", "clients",
                        List.of(Series.field("ready", rows, "ready"))),
                new Chart.Panel("Relay", "seconds", "MiB / % of one core",
                        List.of(Series.field("RSS MiB", rows, "relayRssMiB"),
                                Series.field("CPU %", rows, "relayCpuPercent"),
                                Series.field("generator CPU %", rows, "benchCpuPercent"),
                                Series.field("whole machine CPU %", rows, "machineCpuPercent"))));
    }
}
