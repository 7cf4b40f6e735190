package io.stellarrelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.poller.Poller;
import io.stellarrelay.poller.PollerConfig;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one benchmark run owns, and its cleanup: the fixture database (dropped), the Redis prefix
 * (its keys deleted; Redis is never flushed), the relay process (stopped), the poller (closed) and the
 * clients. Also collects the report: summary lines for the terminal, a JSON document and a chart.
 */
final class BenchRun implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final String scenario;
    final CommonOptions options;
    final String runId;
    final String prefix;
    final Path outDir;
    final String fileStem;
    final Map<String, Object> report = new LinkedHashMap<>();
    final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> summary = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Thread shutdownHook;
    private final RedisSettings redisSettings;
    private RedisClient redis;
    FixtureDatabase db;
    RelayProcess relay;
    private Map<String, String> relayEnv;
    private boolean closed;

    BenchRun(String scenario, CommonOptions options) throws IOException {
        this.scenario = scenario;
        this.options = options;
        byte[] random = new byte[5];
        new SecureRandom().nextBytes(random);
        this.runId = HexFormat.of().formatHex(random);
        this.prefix = "bench-" + runId;
        this.outDir = options.outDir().toAbsolutePath().normalize();
        Files.createDirectories(outDir);
        String stamp = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.fileStem = scenario + "-" + stamp + (options.target.isReference() ? "-" + options.target.wire() : "")
                + (options.label == null ? "" : "-" + options.label.replaceAll("[^A-Za-z0-9_.-]", "_"));
        this.redisSettings = RedisSettings.parse(options.redisUrl);
        report.put("scenario", scenario);
        report.put("target", options.target.wire());
        report.put("startedAt", LocalDateTime.now(ZoneOffset.UTC) + "Z");
        report.put("command", "java -jar stellar-bench.jar " + String.join(" ", BenchMain.arguments()));
        report.put("runId", runId);
        report.put("machine", machine());
        double load = ProcStats.loadAverage();
        if (load > 0.5) {
            line("warning: load average %.2f before the run: other processes are using this machine, figures will be lower and noisier", load);
        }
        report.put("common", options.describe());
        report.put("project", projectVersion());
        this.shutdownHook = Thread.ofPlatform().name("bench-cleanup").unstarted(this::close);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The checkout's commit and whether relay/poller/shared sources differ from it (what was measured). */
    private static Map<String, Object> projectVersion() {
        Map<String, Object> m = new LinkedHashMap<>();
        Path root = CommonOptions.projectRoot();
        if (root == null) {
            return m;
        }
        m.put("commit", git(root, "rev-parse", "--short", "HEAD"));
        m.put("uncommittedChangesOutsideBench", git(root, "status", "--porcelain", "--", ".", ":(exclude)bench").lines().count());
        return m;
    }

    private static String git(Path root, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", root.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("loadAverageAtStart", ProcStats.loadAverage());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    m.put("memTotal", line.substring(9).trim());
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
                    break;
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return m;
    }

    /** Prints a summary line and keeps it for the report. */
    void line(String format, Object... args) {
        String s = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        summary.add(s);
        System.out.println(s);
    }

    /** A progress note: printed, not part of the summary. */
    void note(String format, Object... args) {
        System.out.println("  .. " + (args.length == 0 ? format : String.format(Locale.ROOT, format, args)));
    }

    FixtureDatabase database() {
        if (db == null) {
            db = FixtureDatabase.create(options.databaseUrl, runId);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", db.name());
            m.put("postgresVersion", db.serverVersion());
            report.put("database", m);
        }
        return db;
    }

    /** Another database of this run (the poller scenario makes one per size); dropped at the end at the latest. */
    FixtureDatabase extraDatabase(String suffix) {
        FixtureDatabase extra = FixtureDatabase.create(options.databaseUrl, runId + "_" + suffix);
        closeables.add(extra);
        return extra;
    }

    RedisClient redis() {
        if (redis == null) {
            redis = new RedisConnector(redisSettings, "stellar-bench").newClient(8);
        }
        return redis;
    }

    RedisNames names() {
        return new RedisNames(prefix);
    }

    RedisConnector redisConnector() {
        return new RedisConnector(redisSettings, "stellar-bench");
    }

    /** The relay's environment: production variables, generous limits so the benchmark is not throttled. */
    Map<String, String> relayEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        env.put("DATABASE_URL", database().url());
        env.put("REDIS_URL", options.redisUrl);
        env.put("REDIS_PREFIX", prefix);
        env.put("BETTER_AUTH_SECRET", Base64.getEncoder().encodeToString(secret));
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("RELAY_ID", "bench-relay-" + runId);
        env.put("POLL_INTERVAL_MS", Long.toString(options.pollIntervalMs));
        env.put("LOG_LEVEL", "info");
        env.put("MAX_CONNECTIONS_PER_ADDRESS", "1000000");
        env.put("MAX_CONNECTIONS_PER_USER", "1000000");
        env.put("MAX_AUTH_FAILURES_PER_ADDRESS", "1000000");
        env.put("RATE_LIMIT_PER_SECOND", "100000");
        env.put("RATE_LIMIT_BURST", "100000");
        env.put("MAX_SUBSCRIPTIONS_PER_CONNECTION", "100000");
        env.put("AUTH_TIMEOUT_MS", "120000");
        env.putAll(options.relayEnv);
        return env;
    }

    RelayProcess startRelay() throws IOException, InterruptedException {
        Path log = outDir.resolve(fileStem + "-relay.log");
        relayEnv = relayEnvironment();
        relay = launch(relayEnv, log);
        report.put("relay", relay.describe());
        note("%s pid %d ready on port %d", options.target.wire(), relay.pid(), relay.port());
        return relay;
    }

    /** The relay again on the same port (after {@link RelayProcess#kill()}), with a new relay id. */
    RelayProcess restartRelay(RelayProcess old) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>(relayEnv);
        env.put("PORT", Integer.toString(old.port()));
        env.put("RELAY_ID", "bench-relay2-" + runId);
        relay = launch(env, outDir.resolve(fileStem + "-relay2.log"));
        report.put("relayAfterRestart", relay.describe());
        return relay;
    }

    /** The target of this run: the relay jar with the documented JVM options, or a reference relay. */
    private RelayProcess launch(Map<String, String> env, Path log) throws IOException, InterruptedException {
        Duration ready = Duration.ofSeconds(90);
        if (!options.target.isReference()) {
            if (options.relayHeap != null) {
                line("warning: --relay-heap %s overrides relay/jvm.options: not a figure to report", options.relayHeap);
            }
            note("starting relay (%s), log %s", options.relayJarPath(), log);
            return RelayProcess.start(options.javaBinary(), options.relayJarPath(), options.relayJvm(), env, log, ready);
        }
        ReferenceRelays references = ReferenceRelays.ofProject();
        note("starting the %s reference relay (%s), log %s", options.target.wire(), references.dir(), log);
        references.install(options.npm, log, Duration.ofMinutes(5));
        return RelayProcess.startCommand(references.command(options.target, options.node), references.dir(), env, log,
                ready, options.target.wire() + " reference relay in " + references.dir());
    }

    /** The poller as a separate process (the same build as the relay), on this run's database and prefix. */
    RelayProcess startPollerProcess() throws IOException, InterruptedException {
        Map<String, String> env = pollerEnvironment(database());
        env.put("LOG_LEVEL", "info");
        Path log = outDir.resolve(fileStem + "-poller.log");
        note("starting poller (%s), log %s", options.pollerJarPath(), log);
        RelayProcess poller = RelayProcess.start(options.javaBinary(), options.pollerJarPath(),
                List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"), env, log, Duration.ofSeconds(90), "HEALTH_PORT");
        closeables.add(poller);
        report.put("poller", poller.describe());
        return poller;
    }

    ClientFleet fleet() throws Exception {
        ClientFleet fleet = new ClientFleet(relay.webSocketUri(),
                ClientFleet.loopbackRange(2, options.sourceAddresses), options.clientPools, options.selectorsPerAddress,
                Duration.ofSeconds(options.connectTimeoutSeconds));
        closeables.add(fleet);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sourceAddresses", fleet.sourceAddresses());
        m.put("pools", fleet.pools());
        m.put("selectorsPerAddress", options.selectorsPerAddress);
        report.put("clients", m);
        return fleet;
    }

    /** A poller's variables for {@code on} and this run's Redis prefix, as a process or in this one. */
    private Map<String, String> pollerEnvironment(FixtureDatabase on) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DATABASE_URL", on.url());
        env.put("REDIS_URL", options.redisUrl);
        env.put("REDIS_PREFIX", prefix);
        env.put("POLL_INTERVAL_MS", Long.toString(options.pollIntervalMs));
        env.put("POLLER_ID", "bench-poller-" + runId);
        env.put("HEALTH_HOST", "127.0.0.1");
        env.put("HEALTH_PORT", "0");
        return env;
    }

    /** A poller on this run's database and prefix, in this process; {@code start()} it for scheduled ticks. */
    Poller poller() {
        return poller(database(), true, null);
    }

    /**
     * With {@code closeAtEnd} false the caller closes it (Poller.close() must run once); with
     * {@code dataSource} non-null, the poller uses it (Poller.create(config, dataSource)).
     */
    Poller poller(FixtureDatabase on, boolean closeAtEnd, javax.sql.DataSource dataSource) {
        return poller(on, closeAtEnd, dataSource, Map.of());
    }

    /** As {@link #poller(FixtureDatabase, boolean, javax.sql.DataSource)}, with {@code extraEnv} added to its environment. */
    Poller poller(FixtureDatabase on, boolean closeAtEnd, javax.sql.DataSource dataSource, Map<String, String> extraEnv) {
        Map<String, String> env = pollerEnvironment(on);
        env.putAll(extraEnv);
        PollerConfig config = PollerConfig.fromEnvironment(env);
        Poller poller = dataSource == null ? Poller.create(config) : Poller.create(config, dataSource);
        if (closeAtEnd) {
            closeables.add(poller);
        }
        return poller;
    }

    Sampler sampler() {
        Sampler s = new Sampler(relay, options.sampleIntervalMs, 100_000);
        closeables.add(s);
        return s;
    }

    /** Saves {@code jcmd Thread.print} of the relay and returns its path. */
    Path threadDump(String tag) throws IOException {
        Path file = outDir.resolve(fileStem + "-relay-threads-" + tag + ".txt");
        Files.writeString(file, relay.threadDump());
        return file;
    }

    /** Writes the JSON report and the chart, and prints where they are. */
    void finish(String chartTitle, List<Chart.Panel> panels) throws IOException {
        report.put("loadAverageAtEnd", ProcStats.loadAverage());
        report.put("summary", summary);
        report.put("results", results);
        Path json = outDir.resolve(fileStem + ".json");
        Path png = outDir.resolve(fileStem + ".png");
        report.put("files", List.of(json.toString(), png.toString()));
        JSON.writeValue(json.toFile(), report);
        Chart.write(png, chartTitle, panels);
        System.out.println("results: " + json);
        System.out.println("chart:   " + png);
    }

    static Map<String, Object> stats(ProcStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpuSeconds", Percentiles.round(s.cpuSeconds()));
        m.put("rssMiB", Percentiles.round(s.rssMiB()));
        m.put("hwmMiB", Percentiles.round(s.hwmBytes() / 1048576.0));
        m.put("threads", s.threads());
        m.put("openFiles", s.openFiles());
        return m;
    }

    /** Deletes this run's Redis keys ({prefix}:* and prefix:*); bounded SCAN, never FLUSH. */
    private int deleteRedisKeys() {
        int deleted = 0;
        try (RedisClient r = new RedisConnector(redisSettings, "stellar-bench-cleanup").newClient(2)) {
            for (String pattern : List.of("{" + prefix + "}:*", prefix + ":*")) {
                String cursor = ScanParams.SCAN_POINTER_START;
                for (int round = 0; round < 100_000; round++) {
                    ScanResult<String> page = r.scan(cursor, new ScanParams().match(pattern).count(1000));
                    if (!page.getResult().isEmpty()) {
                        deleted += (int) r.del(page.getResult().toArray(String[]::new));
                    }
                    cursor = page.getCursor();
                    if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
                        break;
                    }
                }
            }
        } catch (RuntimeException e) {
            System.err.println("stellar-bench: could not delete Redis keys of prefix " + prefix + ": " + e);
        }
        return deleted;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            AutoCloseable c = closeables.get(i);
            if (c instanceof ClientFleet || c instanceof Sampler) {
                closeQuietly(c);
            }
        }
        if (relay != null) {
            relay.stop(Duration.ofSeconds(15));
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            AutoCloseable c = closeables.get(i);
            if (!(c instanceof ClientFleet) && !(c instanceof Sampler)) {
                closeQuietly(c);
            }
        }
        if (redis != null) {
            redis.close();
        }
        deleteRedisKeys();
        if (db != null) {
            db.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down: this is the hook
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("stellar-bench: cleanup: " + e);
        }
    }
}
