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
final class StormScenario extends ClientScenario {
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

    /** Whether pg_stat_statements could be enabled in the fixture database (it counts statements exactly). */
    private boolean statements;

    /** With --drop restart: seconds from the kill until the new relay was ready; -1 otherwise. */
    private double restartSeconds = -1;

    @Override
    String name() {
        return "storm";
    }

    @Override
    void check() {
        Limits.checkClients(clients);
        if (!List.of("abort", "close", "restart").contains(drop)) {
            throw new IllegalArgumentException("--drop must be abort, close or restart");
        }
    }

    /** Clients cut TCP without a close handshake (abort, and restart: the relay is gone anyway). */
    private boolean abort() {
        return !drop.equals("close");
    }

    private boolean restart() {
        return drop.equals("restart");
    }

    private int stormConcurrency() {
        return stormConcurrency > 0 ? stormConcurrency : clients;
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("clients", clients);
        opts.put("serversPerClient", serversPerClient);
        opts.put("setupConcurrency", setupConcurrency);
        opts.put("stormConcurrency", stormConcurrency());
        opts.put("drop", drop);
        opts.put("statsSettleMs", statsSettleMs);
        return opts;
    }

    @Override
    void load(BenchRun run, FixtureDatabase db) {
        loadOwnServers(run, db, clients, serversPerClient);
        statements = db.enableStatementStatistics();
    }

    @Override
    void measure(BenchRun run, Rig rig) throws Exception {
        FixtureDatabase db = rig.db();
        List<BenchClient> all = ownedClients(db, 0, clients, clients, serversPerClient);
        run.note("connecting %d clients, %d at a time", clients, setupConcurrency);
        connect(run, rig.fleet(), all, setupConcurrency);
        SqlBaseline sql = sqlBaseline(run, db);
        RelayProcess relay = restart() ? restartRelay(run, rig.relay()) : rig.relay();
        Storm storm = storm(run, rig.fleet(), relay, db, all);
        Settled settled = awaitRelayCount(relay, all, storm.t0());
        storm.sampler().sample();
        Thread.sleep(statsSettleMs);
        SqlReading after = SqlReading.of(db, statements);
        storm.sampler().close();

        long[] back = all.stream().mapToLong(cl -> cl.subscribedAll < 0 ? -1 : cl.subscribedAll - storm.t0()).toArray();
        Outcome o = new Outcome(sql, storm, settled, after, StepTimes.of(all), back, Percentiles.of(back),
                storm.sampler().toJson());
        summarize(run, o);
        record(run, o);
        rig.fleet().closeAll(all, Duration.ofSeconds(10));
        run.finish(String.format(Locale.ROOT, "storm: %d clients dropped (%s) and reconnected", clients, drop), charts(o));
    }

    /** PostgreSQL's activity counters of the benchmark database, and its statement calls (-1 without pg_stat_statements). */
    private record SqlReading(FixtureDatabase.Activity activity, long calls) {
        static SqlReading of(FixtureDatabase db, boolean statements) {
            FixtureDatabase.Activity activity = db.activity();
            return new SqlReading(activity, statements ? db.statementCalls() : -1);
        }
    }

    /** Two readings a settle apart before the storm: the baseline, and the idle rate between them. */
    private record SqlBaseline(SqlReading first, SqlReading second) {}

    private SqlBaseline sqlBaseline(BenchRun run, FixtureDatabase db) throws InterruptedException {
        run.note("waiting 2 x %d ms for PostgreSQL's statistics (baseline and idle rate)", statsSettleMs);
        Thread.sleep(statsSettleMs);
        SqlReading first = SqlReading.of(db, statements);
        Thread.sleep(statsSettleMs);
        return new SqlBaseline(first, SqlReading.of(db, statements));
    }

    /** Kills the relay and starts a new one on the same port; everyone will reconnect to the cold one. */
    private RelayProcess restartRelay(BenchRun run, RelayProcess relay) throws Exception {
        run.note("killing the relay (SIGKILL) and starting a new one on port %d", relay.port());
        long k0 = System.nanoTime();
        relay.kill();
        relay.stop(Duration.ZERO);
        RelayProcess fresh = run.restartRelay(relay);
        restartSeconds = (System.nanoTime() - k0) / 1e9;
        run.note("new relay pid %d ready after %.2f s", fresh.pid(), restartSeconds);
        return fresh;
    }

    /** The drop and the reconnection: when each happened, and the CPU it took until every attempt settled. */
    private record Storm(Phase phase, Sampler sampler, long t0, long dropped, long t1, ProcStats before, ProcStats after,
                         double machineCpu, double benchCpu, Map<String, Double> threadCpu, double pgCpu) {}

    private Storm storm(BenchRun run, ClientFleet fleet, RelayProcess relay, FixtureDatabase db, List<BenchClient> all)
            throws Exception {
        ProcStats before = relay.stats();
        Map<Long, Double> pgBefore = ProcStats.cpuSecondsByPid(db.backendPids());
        Map<String, Double> threads0 = relay.threadCpuMillis();
        double machine0 = ProcStats.machineBusySeconds();
        double bench0 = Sampler.benchCpuSeconds();
        Phase storm = new Phase(clients, stormConcurrency());
        Sampler sampler = run.sampler().counter("back", storm::ready).start();
        run.note("dropping all %d clients (%s) and reconnecting them", clients, drop);
        long t0 = System.nanoTime();
        for (BenchClient c : all) {
            c.drop(abort()); // after a restart they are already gone: this only cuts what is left
        }
        long dropped = System.nanoTime();
        fleet.connectAll(all, storm, phaseTimeout());
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
        return new Storm(storm, sampler, t0, dropped, t1, before, afterStorm, machineCpu, benchCpu, threadCpu, pgCpu);
    }

    /** The relay's socket count against the generator's once they agree (or after 30 s), and when that was. */
    private record Settled(int relayCount, int open, double seconds) {}

    /**
     * The relay's own count: the dropped sockets must be gone and the new ones there (clients whose
     * attempt failed without a close, e.g. a temporary auth_error, still hold a socket).
     */
    private static Settled awaitRelayCount(RelayProcess relay, List<BenchClient> all, long t0) throws InterruptedException {
        long countDeadline = System.nanoTime() + 30_000_000_000L;
        int open = (int) all.stream().filter(BenchClient::isOpen).count();
        int relayCount = relay.connectionCount();
        while (relayCount != open && System.nanoTime() < countDeadline) {
            Thread.sleep(100);
            open = (int) all.stream().filter(BenchClient::isOpen).count();
            relayCount = relay.connectionCount();
        }
        return new Settled(relayCount, open, (System.nanoTime() - t0) / 1e9);
    }

    /** Everything measured, and the figures derived from it. */
    private record Outcome(SqlBaseline sql, Storm storm, Settled settled, SqlReading after, StepTimes steps, long[] back,
                           Percentiles backFromDrop, List<Map<String, Object>> rows) {
        FixtureDatabase.Activity idle() {
            return sql.second.activity().minus(sql.first.activity());
        }

        FixtureDatabase.Activity during() {
            return after.activity().minus(sql.second.activity());
        }

        double idleRate() {
            return idle().xactCommit() / (idle().nanoTime() / 1e9);
        }

        double allBack() {
            return (storm.t1 - storm.t0) / 1e9;
        }

        double cpu() {
            return storm.after.cpuSeconds() - storm.before.cpuSeconds();
        }
    }

    private long expectedStatements(Phase storm) {
        return (long) storm.ready() * (1 + serversPerClient);
    }

    private void summarize(BenchRun run, Outcome o) {
        Storm storm = o.storm();
        Phase phase = storm.phase();
        run.line("storm: %d clients dropped (%s) and reconnected with %d in flight: %d back, %d failed; all back after %.2f s | relay CPU %.2f s, RSS %.1f MiB",
                clients, drop, stormConcurrency(), phase.ready(), phase.failed(), o.allBack(), o.cpu(), storm.after().rssMiB());
        if (restart()) {
            run.line("  relay killed and restarted on the same port: ready after %.2f s; the times below count from the moment the new relay was ready (cold JIT, empty caches)",
                    restartSeconds);
        }
        run.line("  back (drop -> subscribed again) %s", o.backFromDrop().summary());
        run.line("  CPU until all were back: relay %.2f s, generator %.2f s, PostgreSQL backends of the benchmark database %.2f s, whole machine %.0f%% of %d00%%",
                o.cpu(), storm.benchCpu(), storm.pgCpu(), 100 * storm.machineCpu() / o.allBack(), Runtime.getRuntime().availableProcessors());
        run.line("  relay CPU by thread (ms, /proc): %s", storm.threadCpu());
        run.line("  connect   %s", o.steps().connect().summary());
        run.line("  auth      %s", o.steps().auth().summary());
        run.line("  subscribe %s", o.steps().subscribe().summary());
        run.line("  relay open sockets %d (generator holds %d) at %.2f s after the drop", o.settled().relayCount(), o.settled().open(),
                o.settled().seconds());
        if (statements) {
            run.line("  SQL (pg_stat_statements calls in the benchmark database): %d (without caching %d: one session lookup + %d access check(s) per client)",
                    o.after().calls() - o.sql().second().calls(), expectedStatements(phase), serversPerClient);
        }
        FixtureDatabase.Activity during = o.during();
        run.line("  SQL (pg_stat_database xact_commit of the benchmark database): %d transactions = %.2f per client; without any caching %d statements (1 session + %d access check(s) per client); idle background %.1f/s (%.0f in the window); tup_returned %d",
                during.xactCommit(), during.xactCommit() / (double) Math.max(1, phase.ready()), expectedStatements(phase),
                serversPerClient, o.idleRate(), o.idleRate() * (during.nanoTime() / 1e9), during.tupReturned());
        if (!phase.failures().isEmpty()) {
            run.line("  failures: %s", phase.failures());
        }
    }

    private void record(BenchRun run, Outcome o) {
        Storm storm = o.storm();
        Map<String, Object> r = run.results;
        r.put("back", storm.phase().ready());
        r.put("failed", storm.phase().failed());
        r.put("failures", storm.phase().failures());
        r.put("allBackSeconds", Percentiles.round(o.allBack()));
        r.put("relayRestartSeconds", restart() ? Percentiles.round(restartSeconds) : null);
        r.put("dropIssueMs", Percentiles.round((storm.dropped() - storm.t0()) / 1e6));
        r.put("backFromDrop", o.backFromDrop().toMillisMap());
        r.put("connect", o.steps().connect().toMillisMap());
        r.put("auth", o.steps().auth().toMillisMap());
        r.put("subscribe", o.steps().subscribe().toMillisMap());
        r.put("relayReportedConnections", o.settled().relayCount());
        r.put("relayCountSettledSeconds", Percentiles.round(o.settled().seconds()));
        r.put("relayCpuSeconds", Percentiles.round(o.cpu()));
        r.put("generatorCpuSeconds", Percentiles.round(storm.benchCpu()));
        r.put("postgresBackendCpuSeconds", Percentiles.round(storm.pgCpu()));
        r.put("relayThreadCpuMs", storm.threadCpu());
        r.put("machineCpuSeconds", Percentiles.round(storm.machineCpu()));
        r.put("relayBefore", BenchRun.stats(storm.before()));
        r.put("relayAfter", BenchRun.stats(storm.after()));
        r.put("sql", sql(o));
        r.put("samples", o.rows());
    }

    /** What the relay asked PostgreSQL for during the storm, against the idle background. */
    private Map<String, Object> sql(Outcome o) {
        FixtureDatabase.Activity during = o.during();
        int back = o.storm().phase().ready();
        Map<String, Object> sql = new LinkedHashMap<>();
        sql.put("source", statements ? "pg_stat_statements (calls) and pg_stat_database"
                : "pg_stat_database (xact_commit, tup_returned); pg_stat_statements is not loaded on this server");
        sql.put("note", "every autocommit statement is one transaction; Hikari's validation of a connection idle for more than 500 ms (an empty query) counts as one too");
        sql.put("xactCommit", during.xactCommit());
        sql.put("xactRollback", during.xactRollback());
        sql.put("tupReturned", during.tupReturned());
        sql.put("tupFetched", during.tupFetched());
        sql.put("windowSeconds", Percentiles.round(during.nanoTime() / 1e9));
        sql.put("idleXactPerSecond", Percentiles.round(o.idleRate()));
        sql.put("expectedStatements", expectedStatements(o.storm().phase()));
        sql.put("perClient", Percentiles.round(during.xactCommit() / (double) Math.max(1, back)));
        if (statements) {
            sql.put("statementCalls", o.after().calls() - o.sql().second().calls());
            sql.put("idleStatementCalls", o.sql().second().calls() - o.sql().first().calls());
        }
        return sql;
    }

    private static List<Chart.Panel> charts(Outcome o) {
        StepTimes s = o.steps();
        return List.of(new Chart.Panel("Clients back (authenticated and subscribed) after the drop", "seconds after the drop", "clients",
                        List.of(Chart.Series.of("back", backOverTime(o.back())))),
                new Chart.Panel("Reconnection steps (CDF)", "milliseconds", "% of clients",
                        List.of(Series.cdf("connect", s.connect()), Series.cdf("auth", s.auth()), Series.cdf("subscribe", s.subscribe()),
                                Series.cdf("drop -> back", o.backFromDrop()))),
                new Chart.Panel("Relay", "seconds", "% of one core / MiB", Series.cpuAndRss(o.rows())));
    }

    /** Clients back against seconds after the drop, at most ~400 points. */
    private static List<double[]> backOverTime(long[] back) {
        List<double[]> cumulative = new ArrayList<>();
        long[] sorted = Arrays.stream(back).filter(v -> v >= 0).sorted().toArray();
        int step = Math.max(1, sorted.length / 400);
        for (int i = 0; i < sorted.length; i += step) {
            cumulative.add(new double[] {sorted[i] / 1e9, i + 1});
        }
        if (sorted.length > 0) {
            cumulative.add(new double[] {sorted[sorted.length - 1] / 1e9, sorted.length});
        }
        return cumulative;
    }
}
