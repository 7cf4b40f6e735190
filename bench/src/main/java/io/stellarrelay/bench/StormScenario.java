package io.stellarrelay.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every client connected and subscribed, then all dropped at once and reconnected at once
 * (authenticate and subscribe again): how long until all are back, and how much SQL the relay ran for
 * it.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
        description = "All clients dropped at once and reconnected: time until all are back, SQL the relay ran for it.")
final class StormScenario extends Scenario {
    @Option(names = "--clients", description = "Clients (one user and own servers each) (default: ${DEFAULT-VALUE}).")
    int clients = 1000;

    @Option(names = "--servers-per-client", description = "Servers each client re-subscribes to (default: ${DEFAULT-VALUE}).")
    int serversPerClient = 1;

    @Option(names = "--setup-concurrency", description = "Connection attempts in flight while first connecting (default: ${DEFAULT-VALUE}).")
    int setupConcurrency = 500;

    @Option(names = "--storm-concurrency", description = "Reconnection attempts in flight during the storm (default: all clients at once).")
    int stormConcurrency = 0;

    @Option(names = "--drop", description = "abort: clients cut TCP without a close handshake (a network blip, a load balancer dying); close: clients send close 1001; restart: the relay is killed (SIGKILL) and started again on the same port, then everyone reconnects to the new, cold relay (default: ${DEFAULT-VALUE}).")
    String drop = "abort";

    @Option(names = "--stats-settle-ms", description = "PostgreSQL publishes an idle backend's statistics within 10 s; wait this long before each reading (default: ${DEFAULT-VALUE}).")
    long statsSettleMs = 11_000;

    @Override
    String name() {
        return "storm";
    }

    @Override
    void run(BenchRun run) throws Exception {
        Limits.checkClients(clients);
        boolean abort = switch (drop) {
            case "abort", "restart" -> true;
            case "close" -> false;
            default -> throw new IllegalArgumentException("--drop must be abort, close or restart");
        };
        boolean restart = drop.equals("restart");
        int stormConc = stormConcurrency > 0 ? stormConcurrency : clients;
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("setupConcurrency", setupConcurrency);
        opts.put("stormConcurrency", stormConc);
        opts.put("drop", drop);
        opts.put("statsSettleMs", statsSettleMs);
        run.report.put("options", opts);

        FixtureDatabase db = run.database();
        run.note("loading %d users, %d servers", clients, clients * serversPerClient);
        db.populate(clients, clients * serversPerClient);
        boolean statements = db.enableStatementStatistics();
        RelayProcess relay = run.startRelay();
        ClientFleet fleet = run.fleet();
        Duration timeout = Duration.ofSeconds(common.phaseTimeoutSeconds);

        List<BenchClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            all.add(new BenchClient(i, db.token(i), Layouts.ownedServers(i, clients, serversPerClient), null));
        }
        run.note("connecting %d clients, %d at a time", clients, setupConcurrency);
        Phase setup = fleet.connectAll(all, setupConcurrency, timeout);
        run.note("%d ready, %d failed %s", setup.ready(), setup.failed(), setup.failures().isEmpty() ? "" : setup.failures());
        if (setup.ready() == 0) {
            throw new IllegalStateException("no client could connect: " + setup.failures());
        }
        run.note("waiting 2 x %d ms for PostgreSQL's statistics (baseline and idle rate)", statsSettleMs);
        Thread.sleep(statsSettleMs);
        FixtureDatabase.Activity a = db.activity();
        long callsA = statements ? db.statementCalls() : -1;
        Thread.sleep(statsSettleMs);
        FixtureDatabase.Activity b = db.activity();
        long callsB = statements ? db.statementCalls() : -1;

        double restartSeconds = -1;
        if (restart) {
            run.note("killing the relay (SIGKILL) and starting a new one on port %d", relay.port());
            long k0 = System.nanoTime();
            relay.kill();
            relay.stop(Duration.ZERO);
            relay = run.restartRelay(relay);
            restartSeconds = (System.nanoTime() - k0) / 1e9;
            run.note("new relay pid %d ready after %.2f s", relay.pid(), restartSeconds);
        }
        ProcStats before = relay.stats();
        java.util.Map<Long, Double> pgBefore = ProcStats.cpuSecondsByPid(db.backendPids());
        Map<String, Double> threads0 = relay.threadCpuMillis();
        double machine0 = ProcStats.machineBusySeconds();
        double bench0 = Sampler.benchCpuSeconds();
        Phase storm = new Phase(clients, stormConc);
        Sampler sampler = run.sampler().counter("back", storm::ready).start();
        run.note("dropping all %d clients (%s) and reconnecting them", clients, drop);
        long t0 = System.nanoTime();
        for (BenchClient c : all) {
            c.drop(abort); // after a restart they are already gone: this only cuts what is left
        }
        long dropped = System.nanoTime();
        fleet.connectAll(all, storm, timeout);
        long t1 = storm.lastSettledNanos() > 0 ? storm.lastSettledNanos() : System.nanoTime();
        ProcStats afterStorm = relay.stats();
        double machineCpu = ProcStats.machineBusySeconds() - machine0;
        double benchCpu = Sampler.benchCpuSeconds() - bench0;
        Map<String, Double> threadCpu = RelayProcess.threadCpuDelta(threads0, relay.threadCpuMillis(), 8);
        double pgCpu = 0;
        for (var e : ProcStats.cpuSecondsByPid(db.backendPids()).entrySet()) {
            pgCpu += e.getValue() - pgBefore.getOrDefault(e.getKey(), 0.0);
        }
        if (common.threadDump) {
            run.note("thread dump: %s", run.threadDump("storm"));
        }
        // The relay's own count: the dropped sockets must be gone and the new ones there (clients whose
        // attempt failed without a close, e.g. a temporary auth_error, still hold a socket).
        long countDeadline = System.nanoTime() + 30_000_000_000L;
        int open = (int) all.stream().filter(BenchClient::isOpen).count();
        int relayCount = relay.connectionCount();
        while (relayCount != open && System.nanoTime() < countDeadline) {
            Thread.sleep(100);
            open = (int) all.stream().filter(BenchClient::isOpen).count();
            relayCount = relay.connectionCount();
        }
        double relayCountSettledSeconds = (System.nanoTime() - t0) / 1e9;
        sampler.sample();
        Thread.sleep(statsSettleMs);
        FixtureDatabase.Activity c = db.activity();
        long callsC = statements ? db.statementCalls() : -1;
        sampler.close();

        FixtureDatabase.Activity idle = b.minus(a);
        FixtureDatabase.Activity during = c.minus(b);
        double idleRate = idle.xactCommit() / (idle.nanoTime() / 1e9);
        double idleShare = idleRate * (during.nanoTime() / 1e9);
        long expectedStatements = (long) storm.ready() * (1 + serversPerClient);
        double allBack = (t1 - t0) / 1e9;
        long[] back = all.stream().mapToLong(cl -> cl.subscribedAll < 0 ? -1 : cl.subscribedAll - t0).toArray();
        Percentiles backP = Percentiles.of(back);
        Percentiles connect = Percentiles.of(all.stream().mapToLong(BenchClient::connectNanos).toArray());
        Percentiles auth = Percentiles.of(all.stream().mapToLong(BenchClient::authNanos).toArray());
        Percentiles subscribe = Percentiles.of(all.stream().mapToLong(BenchClient::subscribeNanos).toArray());
        double cpu = afterStorm.cpuSeconds() - before.cpuSeconds();

        run.line("storm: %d clients dropped (%s) and reconnected with %d in flight: %d back, %d failed; all back after %.2f s | relay CPU %.2f s, RSS %.1f MiB",
                clients, drop, stormConc, storm.ready(), storm.failed(), allBack, cpu, afterStorm.rssMiB());
        if (restart) {
            run.line("  relay killed and restarted on the same port: ready after %.2f s; the times below count from the moment the new relay was ready (cold JIT, empty caches)",
                    restartSeconds);
        }
        run.line("  back (drop -> subscribed again) %s", backP.summary());
        run.line("  CPU until all were back: relay %.2f s, generator %.2f s, PostgreSQL backends of the benchmark database %.2f s, whole machine %.0f%% of %d00%%",
                cpu, benchCpu, pgCpu, 100 * machineCpu / allBack, Runtime.getRuntime().availableProcessors());
        run.line("  relay CPU by thread (ms, /proc): %s", threadCpu);
        run.line("  connect   %s", connect.summary());
        run.line("  auth      %s", auth.summary());
        run.line("  subscribe %s", subscribe.summary());
        run.line("  relay open sockets %d (generator holds %d) at %.2f s after the drop", relayCount, open, relayCountSettledSeconds);
        if (statements) {
            run.line("  SQL (pg_stat_statements calls in the benchmark database): %d (without caching %d: one session lookup + %d access check(s) per client)",
                    callsC - callsB, expectedStatements, serversPerClient);
        }
        run.line("  SQL (pg_stat_database xact_commit of the benchmark database): %d transactions = %.2f per client; without any caching %d statements (1 session + %d access check(s) per client); idle background %.1f/s (%.0f in the window); tup_returned %d",
                during.xactCommit(), during.xactCommit() / (double) Math.max(1, storm.ready()), expectedStatements,
                serversPerClient, idleRate, idleShare, during.tupReturned());
        if (!storm.failures().isEmpty()) {
            run.line("  failures: %s", storm.failures());
        }

        Map<String, Object> r = run.results;
        r.put("back", storm.ready());
        r.put("failed", storm.failed());
        r.put("failures", storm.failures());
        r.put("allBackSeconds", Percentiles.round(allBack));
        r.put("relayRestartSeconds", restart ? Percentiles.round(restartSeconds) : null);
        r.put("dropIssueMs", Percentiles.round((dropped - t0) / 1e6));
        r.put("backFromDrop", backP.toMillisMap());
        r.put("connect", connect.toMillisMap());
        r.put("auth", auth.toMillisMap());
        r.put("subscribe", subscribe.toMillisMap());
        r.put("relayReportedConnections", relayCount);
        r.put("relayCountSettledSeconds", Percentiles.round(relayCountSettledSeconds));
        r.put("relayCpuSeconds", Percentiles.round(cpu));
        r.put("generatorCpuSeconds", Percentiles.round(benchCpu));
        r.put("postgresBackendCpuSeconds", Percentiles.round(pgCpu));
        r.put("relayThreadCpuMs", threadCpu);
        r.put("machineCpuSeconds", Percentiles.round(machineCpu));
        r.put("relayBefore", BenchRun.stats(before));
        r.put("relayAfter", BenchRun.stats(afterStorm));
        Map<String, Object> sql = new LinkedHashMap<>();
        sql.put("source", statements ? "pg_stat_statements (calls) and pg_stat_database"
                : "pg_stat_database (xact_commit, tup_returned); pg_stat_statements is not loaded on this server");
        sql.put("note", "every autocommit statement is one transaction; Hikari's validation of a connection idle for more than 500 ms (an empty query) counts as one too");
        sql.put("xactCommit", during.xactCommit());
        sql.put("xactRollback", during.xactRollback());
        sql.put("tupReturned", during.tupReturned());
        sql.put("tupFetched", during.tupFetched());
        sql.put("windowSeconds", Percentiles.round(during.nanoTime() / 1e9));
        sql.put("idleXactPerSecond", Percentiles.round(idleRate));
        sql.put("expectedStatements", expectedStatements);
        sql.put("perClient", Percentiles.round(during.xactCommit() / (double) Math.max(1, storm.ready())));
        if (statements) {
            sql.put("statementCalls", callsC - callsB);
            sql.put("idleStatementCalls", callsB - callsA);
        }
        r.put("sql", sql);
        List<Map<String, Object>> rows = sampler.toJson();
        r.put("samples", rows);

        List<double[]> cumulative = new ArrayList<>();
        long[] sorted = Arrays.stream(back).filter(v -> v >= 0).sorted().toArray();
        int step = Math.max(1, sorted.length / 400);
        for (int i = 0; i < sorted.length; i += step) {
            cumulative.add(new double[] {sorted[i] / 1e9, i + 1});
        }
        if (sorted.length > 0) {
            cumulative.add(new double[] {sorted[sorted.length - 1] / 1e9, sorted.length});
        }
        fleet.closeAll(all, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "storm: %d clients dropped (%s) and reconnected", clients, drop),
                List.of(new Chart.Panel("Clients back (authenticated and subscribed) after the drop", "seconds after the drop", "clients",
                                List.of(Chart.Series.of("back", cumulative))),
                        new Chart.Panel("Reconnection steps (CDF)", "milliseconds", "% of clients",
                                List.of(Series.cdf("connect", connect), Series.cdf("auth", auth), Series.cdf("subscribe", subscribe),
                                        Series.cdf("drop -> back", backP))),
                        new Chart.Panel("Relay", "seconds", "% of one core / MiB",
                                List.of(Series.field("relay CPU %", rows, "relayCpuPercent"),
                                        Series.field("generator CPU %", rows, "benchCpuPercent"),
                                        Series.field("whole machine CPU %", rows, "machineCpuPercent"),
                                        Series.field("relay RSS MiB", rows, "relayRssMiB")))));
    }
}
