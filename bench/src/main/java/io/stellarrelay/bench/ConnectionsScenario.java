package io.stellarrelay.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N clients connect, authenticate with a token and subscribe to their own servers; reports the time of
 * each step and what the connections cost the relay (RSS and live heap per connection, CPU).
 */
@Command(name = "connections", mixinStandardHelpOptions = true,
        description = "N authenticated, subscribed connections: connect/auth/subscribe percentiles, relay RSS and heap per connection.")
final class ConnectionsScenario extends Scenario {
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
    void run(BenchRun run) throws Exception {
        Limits.checkClients(clients);
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("concurrency", concurrency);
        opts.put("warmupClients", warmupClients);
        run.report.put("options", opts);

        FixtureDatabase db = run.database();
        run.note("loading %d users, %d servers", clients, clients * serversPerClient);
        db.populate(clients, clients * serversPerClient);
        RelayProcess relay = run.startRelay();
        ClientFleet fleet = run.fleet();
        Duration timeout = Duration.ofSeconds(common.phaseTimeoutSeconds);

        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            all.add(new BenchClient(i, db.token(i), Layouts.ownedServers(i, clients, serversPerClient), null));
        }
        int warm = Math.min(warmupClients, clients);
        if (warm > 0) {
            List<BenchClient> warmup = new ArrayList<>();
            for (int i = 0; i < warm; i++) {
                warmup.add(new BenchClient(i, db.token(i), Layouts.ownedServers(i, clients, serversPerClient), null));
            }
            run.note("warm-up: %d clients", warm);
            Phase w = fleet.connectAll(warmup, concurrency, timeout);
            fleet.closeAll(warmup, Duration.ofSeconds(10));
            run.note("warm-up: %d ready, %d failed", w.ready(), w.failed());
            Thread.sleep(1000);
        }
        relay.fullGc();
        Thread.sleep(500);
        ProcStats before = relay.stats();
        long heapBefore = relay.heapUsedBytes();

        Phase phase = new Phase(clients, concurrency);
        Sampler sampler = run.sampler().counter("ready", phase::ready).start();
        run.note("connecting %d clients, %d at a time", clients, concurrency);
        Map<String, Double> threads0 = relay.threadCpuMillis();
        double machine0 = ProcStats.machineBusySeconds();
        double bench0 = Sampler.benchCpuSeconds();
        long t0 = System.nanoTime();
        fleet.connectAll(all, phase, timeout);
        long t1 = phase.lastSettledNanos() > 0 ? phase.lastSettledNanos() : System.nanoTime();
        ProcStats connected = relay.stats();
        double machineCpu = ProcStats.machineBusySeconds() - machine0;
        double benchCpu = Sampler.benchCpuSeconds() - bench0;
        Map<String, Double> threadCpu = RelayProcess.threadCpuDelta(threads0, relay.threadCpuMillis(), 8);
        Thread.sleep(settleMs);
        ProcStats after = relay.stats();
        int relayCount = relay.connectionCount();
        if (common.threadDump) {
            run.note("thread dump: %s", run.threadDump("connected"));
        }
        relay.fullGc();
        Thread.sleep(500);
        long heapAfter = relay.heapUsedBytes();
        ProcStats afterGc = relay.stats();
        sampler.sample();
        sampler.close();

        int ok = phase.ready();
        double seconds = (t1 - t0) / 1e9;
        Percentiles connect = Percentiles.of(all.stream().mapToLong(BenchClient::connectNanos).toArray());
        Percentiles auth = Percentiles.of(all.stream().mapToLong(BenchClient::authNanos).toArray());
        Percentiles subscribe = Percentiles.of(all.stream().mapToLong(BenchClient::subscribeNanos).toArray());
        Percentiles total = Percentiles.of(all.stream().mapToLong(BenchClient::totalNanos).toArray());
        double cpu = connected.cpuSeconds() - before.cpuSeconds();
        double rssPerConn = ok == 0 ? 0 : (after.rssBytes() - before.rssBytes()) / (double) ok;
        double heapPerConn = ok == 0 || heapBefore < 0 || heapAfter < 0 ? -1 : (heapAfter - heapBefore) / (double) ok;

        run.line("connections: %d ready, %d failed of %d in %.2f s (%.0f connections/s) | relay CPU %.2f s (%.0f%% of one core), RSS %.1f MiB",
                ok, phase.failed(), clients, seconds, ok / seconds, cpu, 100 * cpu / seconds, after.rssMiB());
        run.line("  relay says %d open sockets; client sources %s over %d pools", relayCount,
                fleet.sourceAddresses().size() + " addresses", fleet.pools());
        run.line("  connect   %s", connect.summary());
        run.line("  auth      %s", auth.summary());
        run.line("  subscribe %s (%d server%s each)", subscribe.summary(), serversPerClient, serversPerClient == 1 ? "" : "s");
        run.line("  total     %s", total.summary());
        run.line("  relay RSS %.1f -> %.1f MiB: %.1f KiB per connection (RSS after a full GC: %.1f MiB)",
                before.rssMiB(), after.rssMiB(), rssPerConn / 1024, afterGc.rssMiB());
        if (heapPerConn >= 0) {
            run.line("  relay live heap (jcmd GC.heap_info after GC.run) %.1f -> %.1f MiB: %.1f KiB per connection",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, heapPerConn / 1024);
        } else {
            run.line("  relay heap: not available (jcmd failed, or the target is not a JVM); RSS only");
        }
        run.line("  CPU per connection: relay %.2f ms, generator %.2f ms; whole machine %.0f%% busy while connecting | relay threads %d, open files %d",
                ok == 0 ? 0 : cpu * 1000 / ok, ok == 0 ? 0 : benchCpu * 1000 / ok, 100 * machineCpu / seconds,
                after.threads(), after.openFiles());
        run.line("  relay CPU by thread while connecting (ms, /proc): %s", threadCpu);
        if (!phase.failures().isEmpty()) {
            run.line("  failures: %s", phase.failures());
        }

        Map<String, Object> r = run.results;
        r.put("relayThreadCpuMs", threadCpu);
        r.put("ready", ok);
        r.put("failed", phase.failed());
        r.put("failures", phase.failures());
        r.put("relayReportedConnections", relayCount);
        r.put("seconds", Percentiles.round(seconds));
        r.put("connectionsPerSecond", Percentiles.round(ok / seconds));
        r.put("connect", connect.toMillisMap());
        r.put("auth", auth.toMillisMap());
        r.put("subscribe", subscribe.toMillisMap());
        r.put("total", total.toMillisMap());
        r.put("relayCpuSecondsDuringConnect", Percentiles.round(cpu));
        r.put("relayCpuMsPerConnection", ok == 0 ? null : Percentiles.round(cpu * 1000 / ok));
        r.put("generatorCpuSecondsDuringConnect", Percentiles.round(benchCpu));
        r.put("machineCpuSecondsDuringConnect", Percentiles.round(machineCpu));
        r.put("relayBefore", BenchRun.stats(before));
        r.put("relayAfter", BenchRun.stats(after));
        r.put("relayAfterGc", BenchRun.stats(afterGc));
        r.put("rssBytesPerConnection", Math.round(rssPerConn));
        r.put("heapUsedBytesBefore", heapBefore);
        r.put("heapUsedBytesAfter", heapAfter);
        r.put("heapBytesPerConnection", heapPerConn < 0 ? null : Math.round(heapPerConn));
        r.put("heapSource", heapPerConn < 0 ? "unavailable: RSS only" : "jcmd <pid> GC.heap_info after jcmd <pid> GC.run (the relay has no heap endpoint)");
        List<Map<String, Object>> rows = sampler.toJson();
        r.put("samples", rows);

        fleet.closeAll(all, Duration.ofSeconds(10));
        run.finish("connections: " + ok + " clients, " + serversPerClient + " server(s) each",
                List.of(new Chart.Panel("Time per step (CDF)", "milliseconds", "% of clients",
                                List.of(Series.cdf("connect (TCP + upgrade)", connect), Series.cdf("auth", auth),
                                        Series.cdf("subscribe", subscribe), Series.cdf("total", total))),
                        new Chart.Panel("Ready clients over time", "seconds", "clients",
                                List.of(Series.field("ready", rows, "ready"))),
                        new Chart.Panel("Relay", "seconds", "MiB / % of one core",
                                List.of(Series.field("RSS MiB", rows, "relayRssMiB"),
                                        Series.field("CPU %", rows, "relayCpuPercent"),
                                        Series.field("generator CPU %", rows, "benchCpuPercent"),
                                        Series.field("whole machine CPU %", rows, "machineCpuPercent")))));
    }
}
