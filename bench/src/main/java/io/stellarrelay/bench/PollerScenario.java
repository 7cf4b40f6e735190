package io.stellarrelay.bench;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.TickReport;
import io.stellarrelay.redis.RedisNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Poller.tick() against fixture panels of several sizes, every server watched by a fake relay whose
 * watch set is registered in Redis exactly as relays do it; per size, where the tick's time goes.
 */
@Command(name = "poller", mixinStandardHelpOptions = true,
        description = "Time Poller.tick() for N watched servers (two allocations each): registry read, query, encode, publish.")
final class PollerScenario extends Scenario {
    @Option(names = "--servers", split = ",", description = "Watched servers, one fixture database per size (default: ${DEFAULT-VALUE}).")
    List<Integer> sizes = new ArrayList<>(List.of(1000, 10000));

    @Option(names = "--ticks", description = "Measured ticks per size (default: ${DEFAULT-VALUE}).")
    int ticks = 5;

    @Option(names = "--warmup-ticks", description = "Ticks run first and not counted (default: ${DEFAULT-VALUE}).")
    int warmupTicks = 1;

    @Option(names = "--panel-servers", description = "Servers in the panel database (one database for all sizes); each size watches the first N of them. Default: one database per size holding exactly the watched servers.")
    int panelServers = 0;

    @Option(names = "--indexes", description = "Add the recommended indexes of docs/performance.md (allocations.serverId, server_members.userId) first.")
    boolean indexes;

    @Option(names = "--pollers", description = "POLLER_REPLICAS: pollers splitting the watched servers into shares; each share's tick is measured on its own, one after the other (default: ${DEFAULT-VALUE}).")
    int pollers = 1;

    @Option(names = "--changes-per-tick", description = "Servers whose status and updatedAt change before each tick, as a panel's writes do (default: ${DEFAULT-VALUE}).")
    int changesPerTick = 100;

    @Option(names = "--subscriber", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Subscribe one connection to every watched server's channel, as a relay watching all of them would, and time delivery (default: ${DEFAULT-VALUE}).")
    boolean subscriber;

    @Override
    String name() {
        return "poller";
    }

    @Override
    void check() {
        if (ticks < 1 || ticks > 1000 || warmupTicks < 0 || warmupTicks > 100) {
            throw new IllegalArgumentException("--ticks must be 1..1000 and --warmup-ticks 0..100");
        }
        if (pollers < 1 || pollers > 64 || changesPerTick < 0) {
            throw new IllegalArgumentException("--pollers must be 1..64 and --changes-per-tick at least 0");
        }
        for (int s : sizes) {
            if (s < 1 || s > 2_000_000) {
                throw new IllegalArgumentException("--servers sizes must be 1..2,000,000");
            }
        }
        if (panelServers > 0 && sizes.stream().anyMatch(size -> size > panelServers)) {
            throw new IllegalArgumentException("--servers sizes must not exceed --panel-servers");
        }
    }

    @Override
    Map<String, Object> options() {
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("servers", sizes);
        opts.put("ticks", ticks);
        opts.put("warmupTicks", warmupTicks);
        opts.put("indexes", indexes);
        opts.put("panelServers", panelServers);
        opts.put("subscriber", subscriber);
        opts.put("pollers", pollers);
        opts.put("changesPerTick", changesPerTick);
        return opts;
    }

    @Override
    void run(BenchRun run) throws Exception {
        run.report.put("database", Map.of("postgresVersion", "see per size"));
        FakeRelay relay = new FakeRelay(run.redis(), run.names(), "bench-fake-relay-" + run.runId);
        Curves curves = new Curves();
        List<Map<String, Object>> perSize = new ArrayList<>();
        Panel shared = null;
        if (panelServers > 0) {
            run.note("creating one panel database with %d servers", panelServers);
            shared = fill(run.extraDatabase("panel"), panelServers);
        }
        for (int size : sizes) {
            perSize.add(measureSize(run, relay, shared, size, curves));
        }
        if (shared != null) {
            shared.db().close();
        }
        run.results.put("sizes", perSize);
        run.finish("poller: Poller.tick() by watched servers" + (indexes ? " (with recommended indexes)" : ""),
                curves.panels());
    }

    /** A fixture panel database, and how long loading it took. */
    private record Panel(FixtureDatabase db, double loadSeconds) {}

    /** Loads {@code servers} servers (and a user per ten), ages the rows, adds the indexes if asked. */
    private Panel fill(FixtureDatabase db, int servers) {
        long loadStart = System.nanoTime();
        db.populate(Math.max(1, servers / 10), servers);
        age(db);
        if (indexes) {
            db.addRecommendedIndexes();
        }
        return new Panel(db, (System.nanoTime() - loadStart) / 1e9);
    }

    /** The relay that watches every server: its watch set registered in Redis exactly as relays do it. */
    private record FakeRelay(RedisClient redis, RedisNames names, String id) {
        void register(List<String> ids) {
            registerWatchSet(redis, names, id, ids);
        }

        /** Renews the lease, as a relay does. */
        void renew() {
            registerWatchSet(redis, names, id, null);
        }

        void withdraw() {
            PollerScenario.withdraw(redis, names, id);
        }
    }

    /** One size: the first {@code size} servers of the shared panel (or of their own), watched and ticked. */
    private Map<String, Object> measureSize(BenchRun run, FakeRelay relay, Panel shared, int size, Curves curves)
            throws Exception {
        Panel panel = shared;
        if (panel == null) {
            run.note("size %d: creating the fixture database", size);
            panel = fill(run.extraDatabase("p" + size), size);
        }
        List<String> ids = new ArrayList<>(size);
        for (int j = 0; j < size; j++) {
            ids.add(FixtureDatabase.serverId(j));
        }
        relay.register(ids);
        CountingSubscriber counter = subscriber ? CountingSubscriber.start(run, relay.names(), ids) : null;
        List<Share> shares = new ArrayList<>();
        try {
            for (int share = 0; share < pollers; share++) {
                shares.add(Share.start(run, panel.db(), share, pollers));
            }
            warmUp(shares, counter);
            Ticks measured = new Ticks(pollers);
            for (int i = 0; i < ticks; i++) {
                relay.renew();
                changeServers(panel.db(), size, i);
                round(relay.redis(), shares, counter, measured);
            }
            Map<String, Object> m = sizeReport(size, shared != null, panel, measured, counter);
            curves.add(size, measured, counter);
            summarize(run, size, shared != null, m, measured, counter);
            return m;
        } finally {
            shares.forEach(s -> s.poller().close());
            if (counter != null) {
                counter.close();
            }
            relay.withdraw();
            if (shared == null) {
                panel.db().close();
            }
        }
    }

    /** One of --pollers pollers (POLLER_REPLICAS), on a data source that measures its PostgreSQL backends. */
    private record Share(int index, Poller poller, BackendCpuDataSource source) {
        static Share start(BenchRun run, FixtureDatabase db, int index, int pollers) {
            BackendCpuDataSource source = new BackendCpuDataSource(DatabaseSettings.parse(db.url()));
            Poller poller = run.poller(db, false, source, Map.of("POLLER_REPLICAS", Integer.toString(pollers),
                    "POLLER_ID", "bench-poller-" + run.runId + "-" + index));
            return new Share(index, poller, source);
        }

        TickReport tick() throws Exception {
            return poller.tick(Set.of(index));
        }
    }

    /** --warmup-ticks rounds, not counted; each waits for its frames to reach the subscriber. */
    private void warmUp(List<Share> shares, CountingSubscriber counter) throws Exception {
        for (int i = 0; i < warmupTicks; i++) {
            for (Share share : shares) {
                long before = counter == null ? 0 : counter.messages.sum();
                TickReport w = share.tick();
                if (counter != null) {
                    counter.awaitMessages(before, w.published(), Duration.ofSeconds(60));
                }
            }
        }
    }

    /** The measured ticks of one size: each round over the shares, summed, and each share's own ticks. */
    private static final class Ticks {
        final List<TickReport> reports = new ArrayList<>();
        final List<Double> cpu = new ArrayList<>();
        final List<Double> delivered = new ArrayList<>();
        final List<Double> pgCpu = new ArrayList<>();
        final List<Double> redisCpu = new ArrayList<>();
        final List<Double> connectionsPerTick = new ArrayList<>();
        final List<List<Map<String, Object>>> perShare = new ArrayList<>();

        Ticks(int pollers) {
            for (int share = 0; share < pollers; share++) {
                perShare.add(new ArrayList<>());
            }
        }

        /** One phase (or the total) of every round, in milliseconds. */
        List<Double> ms(Function<TickReport, Duration> phase) {
            return reports.stream().map(r -> phase.apply(r).toNanos() / 1e6).toList();
        }

        List<Double> read() {
            return reports.stream().map(r -> (double) r.read()).toList();
        }

        /** One field of each tick of one share. */
        List<Double> ofShare(int share, String field) {
            return perShare.get(share).stream().map(t -> (Double) t.get(field)).toList();
        }
    }

    /** One share's tick, what its thread, its PostgreSQL backends and Redis spent on it, and new connections. */
    private record ShareTick(TickReport report, double cpu, double pg, double redis, double connections) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static ShareTick tick(RedisClient redis, Share share) throws Exception {
        double pg0 = share.source().cpuSeconds();
        long conns0 = share.source().connections.sum();
        double rd0 = RedisProbes.redisCpuSeconds(redis);
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        TickReport report = share.tick();
        double tickCpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
        double tickPg = (share.source().cpuSeconds() - pg0) * 1000;
        double tickRedis = (RedisProbes.redisCpuSeconds(redis) - rd0) * 1000;
        return new ShareTick(report, tickCpu, tickPg, tickRedis, share.source().connections.sum() - conns0);
    }

    /** One tick per share, one after the other: each share's figures are its own poller's. */
    private static void round(RedisClient redis, List<Share> shares, CountingSubscriber counter, Ticks into)
            throws Exception {
        TickReport round = null;
        double roundCpu = 0, roundPg = 0, roundRedis = 0, roundConnections = 0;
        long roundStart = System.nanoTime();
        long before = counter == null ? 0 : counter.messages.sum();
        for (Share share : shares) {
            ShareTick t = tick(redis, share);
            roundCpu += t.cpu();
            roundPg += t.pg();
            roundRedis += t.redis();
            roundConnections += t.connections();
            Map<String, Object> m = TickReports.toMap(t.report());
            m.put("read", t.report().read());
            m.put("tickThreadCpuMs", Percentiles.round(t.cpu()));
            m.put("postgresBackendCpuMs", Percentiles.round(t.pg()));
            m.put("redisCpuMs", Percentiles.round(t.redis()));
            into.perShare.get(share.index()).add(m);
            round = round == null ? t.report() : sum(round, t.report());
        }
        into.reports.add(round);
        into.cpu.add(roundCpu);
        into.pgCpu.add(roundPg);
        into.redisCpu.add(roundRedis);
        into.connectionsPerTick.add(roundConnections);
        if (counter != null) {
            long done = counter.awaitMessages(before, round.published(), Duration.ofSeconds(60));
            into.delivered.add(done < 0 ? -1 : (done - roundStart) / 1e6);
        }
    }

    /** The report of one size: counts, each phase's median/min/max/all, CPU, the subscriber, the shares. */
    private Map<String, Object> sizeReport(int size, boolean onShared, Panel panel, Ticks t, CountingSubscriber counter) {
        TickReport first = t.reports.get(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("servers", size);
        m.put("panelServers", onShared ? panelServers : size);
        m.put("counts", panel.db().counts());
        m.put("indexes", indexes);
        m.put("loadSeconds", Percentiles.round(panel.loadSeconds()));
        m.put("watched", first.watched());
        m.put("published", first.published());
        m.put("statements", first.statements());
        m.put("readMedian", median(t.read()));
        m.put("pollers", pollers);
        m.put("changesPerTick", changesPerTick);
        m.put("registryReadMs", summary(t.ms(TickReport::registryRead)));
        m.put("queryMs", summary(t.ms(TickReport::query)));
        m.put("encodeMs", summary(t.ms(TickReport::encode)));
        m.put("publishMs", summary(t.ms(TickReport::publish)));
        m.put("totalMs", summary(t.ms(TickReport::total)));
        m.put("tickThreadCpuMs", summary(t.cpu));
        m.put("postgresBackendCpuMs", summary(t.pgCpu));
        m.put("postgresConnectionsPerTick", summary(t.connectionsPerTick));
        m.put("redisCpuMs", summary(t.redisCpu));
        if (counter != null) {
            m.put("subscriberAllReceivedMs", summary(t.delivered));
            m.put("subscriberMessages", counter.messages.sum());
            m.put("averageFrameBytes", averageFrameBytes(counter));
            m.put("subscriberFailure", counter.failure == null ? null : counter.failure.toString());
        }
        m.put("ticks", t.reports.stream().map(TickReports::toMap).toList());
        if (pollers > 1) {
            m.put("shares", shareSummaries(t));
        }
        return m;
    }

    private static long averageFrameBytes(CountingSubscriber counter) {
        return counter.messages.sum() == 0 ? 0 : counter.bytes.sum() / counter.messages.sum();
    }

    private List<Map<String, Object>> shareSummaries(Ticks t) {
        List<Map<String, Object>> shareSummaries = new ArrayList<>();
        for (int share = 0; share < pollers; share++) {
            List<Map<String, Object>> ts = t.perShare.get(share);
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("share", share);
            sm.put("watched", ts.get(0).get("watched"));
            sm.put("totalMs", summary(t.ofShare(share, "totalMs")));
            sm.put("tickThreadCpuMs", summary(t.ofShare(share, "tickThreadCpuMs")));
            sm.put("postgresBackendCpuMs", summary(t.ofShare(share, "postgresBackendCpuMs")));
            sm.put("redisCpuMs", summary(t.ofShare(share, "redisCpuMs")));
            sm.put("ticks", ts);
            shareSummaries.add(sm);
        }
        return shareSummaries;
    }

    private void summarize(BenchRun run, int size, boolean onShared, Map<String, Object> m, Ticks t, CountingSubscriber counter) {
        TickReport first = t.reports.get(0);
        run.line("poller %,d servers watched of %,d (%s; %d changed per tick%s): tick median %.1f ms = registry %.1f + query %.1f + encode %.1f + publish %.1f ms; %d statement(s), %d published, %.0f read%s",
                size, onShared ? panelServers : size, indexes ? "with indexes" : "panel schema as is", changesPerTick,
                pollers == 1 ? "" : "; " + pollers + " pollers, sums over their shares", median(m, "totalMs"), median(m, "registryReadMs"),
                median(m, "queryMs"), median(m, "encodeMs"), median(m, "publishMs"), first.statements(), first.published(),
                median(t.read()),
                counter == null ? "" : String.format(Locale.ROOT, "; subscriber had all after %.1f ms (%d-byte frames)",
                        median(t.delivered), averageFrameBytes(counter)));
        run.line("  per tick CPU: poller thread %.1f ms (median), PostgreSQL backends %.1f ms, Redis %.1f ms (means; /proc counts in 10 ms steps), %.0f new PostgreSQL connection(s) per tick | %d ticks, total min/max %.1f/%.1f ms",
                median(t.cpu), mean(t.pgCpu), mean(t.redisCpu), mean(t.connectionsPerTick), ticks, min(m, "totalMs"), max(m, "totalMs"));
        if (pollers > 1) {
            for (int share = 0; share < pollers; share++) {
                run.line("  share %d: %s servers, tick median %.1f ms; CPU per tick: poller thread %.1f ms, PostgreSQL %.1f ms, Redis %.1f ms (medians)",
                        share, t.perShare.get(share).get(0).get("watched"), median(t.ofShare(share, "totalMs")),
                        median(t.ofShare(share, "tickThreadCpuMs")), median(t.ofShare(share, "postgresBackendCpuMs")),
                        median(t.ofShare(share, "redisCpuMs")));
            }
        }
        if (counter != null && counter.failure != null) {
            run.line("  subscriber failed: %s", counter.failure);
        }
    }

    /** The chart's curves: per size, the median of each phase and of the subscriber's time to have all. */
    private static final class Curves {
        private final List<double[]> reg = new ArrayList<>();
        private final List<double[]> qry = new ArrayList<>();
        private final List<double[]> enc = new ArrayList<>();
        private final List<double[]> pub = new ArrayList<>();
        private final List<double[]> tot = new ArrayList<>();
        private final List<double[]> sub = new ArrayList<>();

        void add(double size, Ticks t, CountingSubscriber counter) {
            reg.add(new double[] {size, median(t.ms(TickReport::registryRead))});
            qry.add(new double[] {size, median(t.ms(TickReport::query))});
            enc.add(new double[] {size, median(t.ms(TickReport::encode))});
            pub.add(new double[] {size, median(t.ms(TickReport::publish))});
            tot.add(new double[] {size, median(t.ms(TickReport::total))});
            if (counter != null) {
                sub.add(new double[] {size, median(t.delivered)});
            }
        }

        List<Chart.Panel> panels() {
            return List.of(new Chart.Panel("Median tick phases", "watched servers (log)", "milliseconds",
                    List.of(Chart.Series.of("total", tot), Chart.Series.of("query", qry), Chart.Series.of("encode", enc),
                            Chart.Series.of("publish", pub), Chart.Series.of("registry read", reg),
                            Chart.Series.of("subscriber has all (from tick start)", sub)), true));
        }
    }

    /** As in a panel that has been running: no row written in the last seconds. */
    private static final String AGE = """
            UPDATE servers SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE allocations SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE nodes SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE locations SET "updatedAt" = "updatedAt" - interval '1 hour';
            UPDATE blueprints SET "updatedAt" = "updatedAt" - interval '1 hour';
            """;

    private static void age(FixtureDatabase db) {
        db.execute(AGE);
        db.execute("VACUUM ANALYZE servers, allocations, nodes, locations, blueprints"); // the updates left dead rows
    }

    /** Flips the status of {@code --changes-per-tick} watched servers (different ones each tick), stamping updatedAt as the panel does. */
    private void changeServers(FixtureDatabase db, int watched, int tick) {
        if (changesPerTick == 0) {
            return;
        }
        StringBuilder ids = new StringBuilder();
        for (int k = 0; k < Math.min(changesPerTick, watched); k++) {
            ids.append(k == 0 ? "'" : ",'").append(FixtureDatabase.serverId((tick * changesPerTick + k) % watched)).append('\'');
        }
        db.execute("UPDATE servers SET status = CASE WHEN status = 'RUNNING' THEN 'STOPPED'::\"ServerStatus\" ELSE 'RUNNING'::\"ServerStatus\" END,"
                + " \"updatedAt\" = now() AT TIME ZONE 'UTC' WHERE id IN (" + ids + ")");
    }

    /** One tick round over all shares: counts and phase times added up, as if one poller had done it all. */
    private static TickReport sum(TickReport a, TickReport b) {
        return new TickReport(a.watched() + b.watched(), a.published() + b.published(), a.statements() + b.statements(),
                a.registryRead().plus(b.registryRead()), a.query().plus(b.query()), a.encode().plus(b.encode()),
                a.publish().plus(b.publish()), a.total().plus(b.total()), a.read() + b.read());
    }

    /**
     * Writes the fake relay's watch set the way WatchRegistration does: one MULTI/EXEC that replaces
     * the set, sets its lease and lists the relay in the index. With {@code ids == null}, only renews.
     */
    static void registerWatchSet(RedisClient redis, RedisNames names, String relayId, List<String> ids) {
        String key = names.relayWatchKey(relayId);
        try (AbstractTransaction tx = redis.multi()) {
            if (ids != null) {
                tx.del(key);
                for (int from = 0; from < ids.size(); from += 1000) {
                    tx.sadd(key, ids.subList(from, Math.min(ids.size(), from + 1000)).toArray(String[]::new));
                }
            }
            tx.pexpire(key, 600_000);
            tx.sadd(names.relayIndexKey(), relayId);
            tx.exec();
        }
    }

    static void withdraw(RedisClient redis, RedisNames names, String relayId) {
        try (AbstractTransaction tx = redis.multi()) {
            tx.del(names.relayWatchKey(relayId));
            tx.srem(names.relayIndexKey(), relayId);
            tx.exec();
        }
    }

    private static Map<String, Object> summary(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", Percentiles.round(sorted.get(sorted.size() / 2)));
        m.put("min", Percentiles.round(sorted.get(0)));
        m.put("max", Percentiles.round(sorted.get(sorted.size() - 1)));
        m.put("all", values.stream().map(Percentiles::round).toList());
        return m;
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(-1);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    @SuppressWarnings("unchecked")
    private static double median(Map<String, Object> m, String key) {
        return ((Number) ((Map<String, Object>) m.get(key)).get("median")).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static double min(Map<String, Object> m, String key) {
        return ((Number) ((Map<String, Object>) m.get(key)).get("min")).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static double max(Map<String, Object> m, String key) {
        return ((Number) ((Map<String, Object>) m.get(key)).get("max")).doubleValue();
    }

    /** One pub/sub connection subscribed to every watched server's channel; counts what arrives. */
    static final class CountingSubscriber extends BinaryJedisPubSub implements AutoCloseable {
        final LongAdder messages = new LongAdder();
        final LongAdder bytes = new LongAdder();
        private volatile int subscribed;
        private volatile long lastMessageNanos;
        volatile Throwable failure;
        private Connection connection;
        private Thread thread;

        static CountingSubscriber start(BenchRun run, RedisNames names, List<String> ids) throws InterruptedException {
            CountingSubscriber s = new CountingSubscriber();
            List<byte[]> channels = ids.stream().map(id -> names.serverChannel(id).getBytes(StandardCharsets.UTF_8)).toList();
            s.connection = run.redisConnector().newSubscriberConnection(Duration.ZERO);
            byte[][] first = channels.subList(0, Math.min(1000, channels.size())).toArray(byte[][]::new);
            s.thread = Thread.ofPlatform().name("bench-subscriber").daemon().start(() -> {
                try {
                    s.proceed(s.connection, first);
                } catch (Throwable e) {
                    s.failure = e;
                }
            });
            s.awaitSubscribed(first.length);
            for (int from = first.length; from < channels.size(); from += 1000) {
                s.subscribe(channels.subList(from, Math.min(channels.size(), from + 1000)).toArray(byte[][]::new));
            }
            s.awaitSubscribed(channels.size());
            return s;
        }

        private void awaitSubscribed(int count) throws InterruptedException {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (subscribed < count && System.nanoTime() < deadline && failure == null) {
                Thread.sleep(5);
            }
            if (subscribed < count) {
                throw new IllegalStateException("subscriber reached only " + subscribed + " of " + count + " channels"
                        + (failure == null ? "" : ": " + failure));
            }
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            subscribed = subscribedChannels;
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            bytes.add(message.length);
            messages.increment();
            lastMessageNanos = System.nanoTime();
        }

        /** Waits until {@code count} messages arrived after {@code before}; returns the nanoTime of the last, or -1. */
        long awaitMessages(long before, long count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (messages.sum() - before < count && System.nanoTime() < deadline && failure == null) {
                Thread.sleep(1);
            }
            return messages.sum() - before >= count ? lastMessageNanos : -1;
        }

        @Override
        public void close() {
            try {
                if (failure == null) {
                    unsubscribe();
                }
            } catch (Exception ignored) {
                // the connection may be gone
            }
            connection.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
