package io.stellarrelay.bench;

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
import java.util.concurrent.atomic.LongAdder;

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

    @Option(names = "--indexes", description = "Add the README's recommended indexes (allocations.serverId, server_members.userId) first.")
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
    void run(BenchRun run) throws Exception {
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
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("servers", sizes);
        opts.put("ticks", ticks);
        opts.put("warmupTicks", warmupTicks);
        opts.put("indexes", indexes);
        opts.put("panelServers", panelServers);
        opts.put("subscriber", subscriber);
        opts.put("pollers", pollers);
        opts.put("changesPerTick", changesPerTick);
        run.report.put("options", opts);
        run.report.put("database", Map.of("postgresVersion", "see per size"));

        RedisClient redis = run.redis();
        RedisNames names = run.names();
        String relayId = "bench-fake-relay-" + run.runId;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Map<String, Object>> perSize = new ArrayList<>();
        List<double[]> reg = new ArrayList<>(), qry = new ArrayList<>(), enc = new ArrayList<>(),
                pub = new ArrayList<>(), tot = new ArrayList<>(), sub = new ArrayList<>();
        FixtureDatabase shared = null;
        double sharedLoadSeconds = 0;
        if (panelServers > 0) {
            for (int size : sizes) {
                if (size > panelServers) {
                    throw new IllegalArgumentException("--servers sizes must not exceed --panel-servers");
                }
            }
            run.note("creating one panel database with %d servers", panelServers);
            shared = run.extraDatabase("panel");
            long loadStart = System.nanoTime();
            shared.populate(Math.max(1, panelServers / 10), panelServers);
            age(shared);
            if (indexes) {
                shared.addRecommendedIndexes();
            }
            sharedLoadSeconds = (System.nanoTime() - loadStart) / 1e9;
        }
        for (int size : sizes) {
            FixtureDatabase db;
            double loadSeconds;
            if (shared != null) {
                db = shared;
                loadSeconds = sharedLoadSeconds;
            } else {
                run.note("size %d: creating the fixture database", size);
                db = run.extraDatabase("p" + size);
                long loadStart = System.nanoTime();
                db.populate(Math.max(1, size / 10), size);
                age(db);
                if (indexes) {
                    db.addRecommendedIndexes();
                }
                loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            }
            List<String> ids = new ArrayList<>(size);
            for (int j = 0; j < size; j++) {
                ids.add(FixtureDatabase.serverId(j));
            }
            registerWatchSet(redis, names, relayId, ids);
            CountingSubscriber counter = subscriber ? CountingSubscriber.start(run, names, ids) : null;
            List<BackendCpuDataSource> measured = new ArrayList<>();
            List<Poller> shares = new ArrayList<>();
            try {
                for (int share = 0; share < pollers; share++) {
                    BackendCpuDataSource source = new BackendCpuDataSource(io.stellarrelay.config.DatabaseSettings.parse(db.url()));
                    measured.add(source);
                    shares.add(run.poller(db, false, source, Map.of("POLLER_REPLICAS", Integer.toString(pollers),
                            "POLLER_ID", "bench-poller-" + run.runId + "-" + share)));
                }
                for (int i = 0; i < warmupTicks; i++) {
                    for (int share = 0; share < pollers; share++) {
                        long before = counter == null ? 0 : counter.messages.sum();
                        TickReport w = shares.get(share).tick(java.util.Set.of(share));
                        if (counter != null) {
                            counter.awaitMessages(before, w.published(), Duration.ofSeconds(60));
                        }
                    }
                }
                List<TickReport> reports = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                List<Double> wall = new ArrayList<>();
                List<Double> delivered = new ArrayList<>();
                List<Double> pgCpu = new ArrayList<>();
                List<Double> redisCpu = new ArrayList<>();
                List<Double> connectionsPerTick = new ArrayList<>();
                List<List<Map<String, Object>>> perShare = new ArrayList<>();
                for (int share = 0; share < pollers; share++) {
                    perShare.add(new ArrayList<>());
                }
                for (int i = 0; i < ticks; i++) {
                    registerWatchSet(redis, names, relayId, null); // renew the lease, as a relay does
                    changeServers(db, size, i);
                    // One tick per share, one after the other: each share's figures are its own poller's.
                    TickReport round = null;
                    double roundCpu = 0, roundPg = 0, roundRedis = 0, roundConnections = 0;
                    long roundStart = System.nanoTime();
                    long roundEnd = roundStart;
                    long before = counter == null ? 0 : counter.messages.sum();
                    for (int share = 0; share < pollers; share++) {
                        BackendCpuDataSource source = measured.get(share);
                        double pg0 = source.cpuSeconds();
                        long conns0 = source.connections.sum();
                        double rd0 = RedisProbes.redisCpuSeconds(redis);
                        long cpu0 = threads.getCurrentThreadCpuTime();
                        TickReport report = shares.get(share).tick(java.util.Set.of(share));
                        roundEnd = System.nanoTime();
                        double tickCpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
                        double tickPg = (source.cpuSeconds() - pg0) * 1000;
                        double tickRedis = (RedisProbes.redisCpuSeconds(redis) - rd0) * 1000;
                        double tickConnections = source.connections.sum() - conns0;
                        roundCpu += tickCpu;
                        roundPg += tickPg;
                        roundRedis += tickRedis;
                        roundConnections += tickConnections;
                        Map<String, Object> t = TickReports.toMap(report);
                        t.put("read", report.read());
                        t.put("tickThreadCpuMs", Percentiles.round(tickCpu));
                        t.put("postgresBackendCpuMs", Percentiles.round(tickPg));
                        t.put("redisCpuMs", Percentiles.round(tickRedis));
                        perShare.get(share).add(t);
                        round = round == null ? report : sum(round, report);
                    }
                    reports.add(round);
                    cpu.add(roundCpu);
                    wall.add((roundEnd - roundStart) / 1e6);
                    pgCpu.add(roundPg);
                    redisCpu.add(roundRedis);
                    connectionsPerTick.add(roundConnections);
                    if (counter != null) {
                        long done = counter.awaitMessages(before, round.published(), Duration.ofSeconds(60));
                        delivered.add(done < 0 ? -1 : (done - roundStart) / 1e6);
                    }
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("servers", size);
                m.put("panelServers", shared == null ? size : panelServers);
                m.put("counts", db.counts());
                m.put("indexes", indexes);
                m.put("loadSeconds", Percentiles.round(loadSeconds));
                m.put("watched", reports.get(0).watched());
                m.put("published", reports.get(0).published());
                m.put("statements", reports.get(0).statements());
                m.put("readMedian", median(reports.stream().map(r -> (double) r.read()).toList()));
                m.put("pollers", pollers);
                m.put("changesPerTick", changesPerTick);
                m.put("registryReadMs", summary(reports.stream().map(r -> r.registryRead().toNanos() / 1e6).toList()));
                m.put("queryMs", summary(reports.stream().map(r -> r.query().toNanos() / 1e6).toList()));
                m.put("encodeMs", summary(reports.stream().map(r -> r.encode().toNanos() / 1e6).toList()));
                m.put("publishMs", summary(reports.stream().map(r -> r.publish().toNanos() / 1e6).toList()));
                m.put("totalMs", summary(reports.stream().map(r -> r.total().toNanos() / 1e6).toList()));
                m.put("tickThreadCpuMs", summary(cpu));
                m.put("postgresBackendCpuMs", summary(pgCpu));
                m.put("postgresConnectionsPerTick", summary(connectionsPerTick));
                m.put("redisCpuMs", summary(redisCpu));
                if (counter != null) {
                    m.put("subscriberAllReceivedMs", summary(delivered));
                    m.put("subscriberMessages", counter.messages.sum());
                    m.put("averageFrameBytes", counter.messages.sum() == 0 ? 0 : counter.bytes.sum() / counter.messages.sum());
                    m.put("subscriberFailure", counter.failure == null ? null : counter.failure.toString());
                }
                m.put("ticks", reports.stream().map(TickReports::toMap).toList());
                if (pollers > 1) {
                    List<Map<String, Object>> shareSummaries = new ArrayList<>();
                    for (int share = 0; share < pollers; share++) {
                        List<Map<String, Object>> ts = perShare.get(share);
                        Map<String, Object> sm = new LinkedHashMap<>();
                        sm.put("share", share);
                        sm.put("watched", ts.get(0).get("watched"));
                        sm.put("totalMs", summary(ts.stream().map(t -> (Double) t.get("totalMs")).toList()));
                        sm.put("tickThreadCpuMs", summary(ts.stream().map(t -> (Double) t.get("tickThreadCpuMs")).toList()));
                        sm.put("postgresBackendCpuMs", summary(ts.stream().map(t -> (Double) t.get("postgresBackendCpuMs")).toList()));
                        sm.put("redisCpuMs", summary(ts.stream().map(t -> (Double) t.get("redisCpuMs")).toList()));
                        sm.put("ticks", ts);
                        shareSummaries.add(sm);
                    }
                    m.put("shares", shareSummaries);
                }
                perSize.add(m);
                double x = size;
                reg.add(new double[] {x, median(reports.stream().map(r -> r.registryRead().toNanos() / 1e6).toList())});
                qry.add(new double[] {x, median(reports.stream().map(r -> r.query().toNanos() / 1e6).toList())});
                enc.add(new double[] {x, median(reports.stream().map(r -> r.encode().toNanos() / 1e6).toList())});
                pub.add(new double[] {x, median(reports.stream().map(r -> r.publish().toNanos() / 1e6).toList())});
                tot.add(new double[] {x, median(reports.stream().map(r -> r.total().toNanos() / 1e6).toList())});
                if (counter != null) {
                    sub.add(new double[] {x, median(delivered)});
                }
                TickReport first = reports.get(0);
                run.line("poller %,d servers watched of %,d (%s; %d changed per tick%s): tick median %.1f ms = registry %.1f + query %.1f + encode %.1f + publish %.1f ms; %d statement(s), %d published, %.0f read%s",
                        size, shared == null ? size : panelServers, indexes ? "with indexes" : "panel schema as is", changesPerTick,
                        pollers == 1 ? "" : "; " + pollers + " pollers, sums over their shares", median(m, "totalMs"), median(m, "registryReadMs"),
                        median(m, "queryMs"), median(m, "encodeMs"), median(m, "publishMs"), first.statements(), first.published(),
                        median(reports.stream().map(r -> (double) r.read()).toList()),
                        counter == null ? "" : String.format(Locale.ROOT, "; subscriber had all after %.1f ms (%d-byte frames)",
                                median(delivered), counter.messages.sum() == 0 ? 0 : counter.bytes.sum() / counter.messages.sum()));
                run.line("  per tick CPU: poller thread %.1f ms (median), PostgreSQL backends %.1f ms, Redis %.1f ms (means; /proc counts in 10 ms steps), %.0f new PostgreSQL connection(s) per tick | %d ticks, total min/max %.1f/%.1f ms",
                        median(cpu), mean(pgCpu), mean(redisCpu), mean(connectionsPerTick), ticks, min(m, "totalMs"), max(m, "totalMs"));
                if (pollers > 1) {
                    for (int share = 0; share < pollers; share++) {
                        List<Map<String, Object>> ts = perShare.get(share);
                        run.line("  share %d: %s servers, tick median %.1f ms; CPU per tick: poller thread %.1f ms, PostgreSQL %.1f ms, Redis %.1f ms (medians)",
                                share, ts.get(0).get("watched"), median(ts.stream().map(t -> (Double) t.get("totalMs")).toList()),
                                median(ts.stream().map(t -> (Double) t.get("tickThreadCpuMs")).toList()),
                                median(ts.stream().map(t -> (Double) t.get("postgresBackendCpuMs")).toList()),
                                median(ts.stream().map(t -> (Double) t.get("redisCpuMs")).toList()));
                    }
                }
                if (counter != null && counter.failure != null) {
                    run.line("  subscriber failed: %s", counter.failure);
                }
            } finally {
                shares.forEach(Poller::close);
                if (counter != null) {
                    counter.close();
                }
                withdraw(redis, names, relayId);
                if (shared == null) {
                    db.close();
                }
            }
        }
        if (shared != null) {
            shared.close();
        }
        run.results.put("sizes", perSize);
        run.finish("poller: Poller.tick() by watched servers" + (indexes ? " (with recommended indexes)" : ""),
                List.of(new Chart.Panel("Median tick phases", "watched servers (log)", "milliseconds",
                        List.of(Chart.Series.of("total", tot), Chart.Series.of("query", qry), Chart.Series.of("encode", enc),
                                Chart.Series.of("publish", pub), Chart.Series.of("registry read", reg),
                                Chart.Series.of("subscriber has all (from tick start)", sub)), true)));
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
