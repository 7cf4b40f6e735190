package io.stellarrelay.bench;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.config.RedisSettings;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options every scenario shares: where PostgreSQL and Redis are, how the relay runs, how clients connect. */
final class CommonOptions {
    @Option(names = "--database-url", paramLabel = "URL",
            description = "A PostgreSQL role that may CREATE DATABASE; a fresh database is made there and dropped at the end (default: ${DEFAULT-VALUE}).")
    String databaseUrl = "postgresql://postgres@127.0.0.1:5432/postgres";

    @Option(names = "--redis-url", paramLabel = "URL",
            description = "Redis to use, under a unique prefix whose keys are deleted at the end; never flushed (default: ${DEFAULT-VALUE}).")
    String redisUrl = "redis://127.0.0.1:6379";

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where results (JSON, PNG, relay log) go (default: bench/target/results).")
    Path out;

    @Option(names = "--relay-jar", paramLabel = "JAR",
            description = "The relay to measure (default: relay/target/stellar-relay.jar of this checkout).")
    Path relayJar;

    @Option(names = "--poller-jar", paramLabel = "JAR",
            description = "The poller for scenarios that run one as a process (default: poller/target/stellar-poller.jar of this checkout).")
    Path pollerJar;

    @Option(names = "--java", paramLabel = "PATH",
            description = "java binary for the relay (default: the one running this tool).")
    String java;

    @Option(names = "--target", paramLabel = "relay|node|bun", converter = Target.Converter.class,
            description = "What to measure: the relay jar, or a reference relay of bench/reference (node: ws + ioredis, bun: Bun.serve pub/sub) (default: relay).")
    Target target = Target.RELAY;

    @Option(names = "--node", paramLabel = "PATH", description = "node binary for the node reference (default: ${DEFAULT-VALUE}).")
    String node = "node";

    @Option(names = "--npm", paramLabel = "PATH", description = "npm, to install the references' dependencies on first use (default: ${DEFAULT-VALUE}).")
    String npm = "npm";

    @Option(names = "--relay-jvm-options", paramLabel = "FILE",
            description = "The relay's JVM options file, passed as java @FILE (default: relay/jvm.options of this checkout, the options the image and run-demo use).")
    Path relayJvmOptionsFile;

    @Option(names = "--relay-heap", paramLabel = "SIZE",
            description = "Adds -Xmx SIZE after the options file. Not for reported figures: those use exactly relay/jvm.options.")
    String relayHeap;

    @Option(names = "--relay-jvm-opt", paramLabel = "OPT",
            description = "Extra JVM option for the relay (repeatable), e.g. -XX:StartFlightRecording=filename=relay.jfr.")
    List<String> relayJvmOptions = new ArrayList<>();

    @Option(names = "--relay-env", paramLabel = "KEY=VALUE",
            description = "Extra or overriding relay environment variable (repeatable), e.g. DATABASE_POOL_SIZE=20.")
    Map<String, String> relayEnv = new LinkedHashMap<>();

    @Option(names = "--poll-interval-ms", paramLabel = "MS",
            description = "POLL_INTERVAL_MS of relay and poller (default: ${DEFAULT-VALUE}).")
    long pollIntervalMs = 5000;

    @Option(names = "--source-addresses", paramLabel = "N",
            description = "Clients bind round-robin to 127.0.0.2 ... 127.0.0.(N+1) (default: ${DEFAULT-VALUE}).")
    int sourceAddresses = 4;

    @Option(names = "--client-pools", paramLabel = "N",
            description = "Independent Jetty HTTP clients (connection pools) the handshakes are spread over (default: ${DEFAULT-VALUE}).")
    int clientPools = 16;

    @Option(names = "--selectors-per-address", paramLabel = "N",
            description = "Selector threads per source address; frames are handled on them (default: ${DEFAULT-VALUE}).")
    int selectorsPerAddress = 1;

    @Option(names = "--connect-timeout-s", paramLabel = "S",
            description = "Timeout of one WebSocket upgrade (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds = 30;

    @Option(names = "--phase-timeout-s", paramLabel = "S",
            description = "Upper bound of any one phase (connecting everyone, waiting for deliveries) (default: ${DEFAULT-VALUE}).")
    int phaseTimeoutSeconds = 180;

    @Option(names = "--sample-interval-ms", paramLabel = "MS",
            description = "How often relay CPU/RSS and counters are sampled (default: ${DEFAULT-VALUE}).")
    long sampleIntervalMs = 1000;

    @Option(names = "--label", paramLabel = "TEXT", description = "Added to the result file names.")
    String label;

    @Option(names = "--thread-dump", description = "Save a jcmd Thread.print of the relay at the busiest moment of the run.")
    boolean threadDump;

    Path outDir() {
        if (out != null) {
            return out;
        }
        Path base = projectRoot();
        return base == null ? Path.of("bench", "target", "results") : base.resolve("bench/target/results");
    }

    Path relayJarPath() {
        if (relayJar != null) {
            return relayJar;
        }
        Path base = projectRoot();
        return base == null ? Path.of("relay", "target", "stellar-relay.jar") : base.resolve("relay/target/stellar-relay.jar");
    }

    Path pollerJarPath() {
        if (pollerJar != null) {
            return pollerJar;
        }
        Path base = projectRoot();
        return base == null ? Path.of("poller", "target", "stellar-poller.jar") : base.resolve("poller/target/stellar-poller.jar");
    }

    String javaBinary() {
        if (java != null) {
            return java;
        }
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    Path relayJvmOptionsPath() {
        if (relayJvmOptionsFile != null) {
            return relayJvmOptionsFile;
        }
        Path base = projectRoot();
        return base == null ? Path.of("relay", "jvm.options") : base.resolve("relay/jvm.options");
    }

    /**
     * The relay's JVM options: the documented file as a java argument file, then the explicit
     * overrides of this run (a later option wins over the file's).
     */
    List<String> relayJvm() {
        Path file = relayJvmOptionsPath();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("relay JVM options file not found: " + file + " (pass --relay-jvm-options)");
        }
        List<String> opts = new ArrayList<>();
        opts.add("@" + file.toAbsolutePath().normalize());
        if (relayHeap != null) {
            opts.add("-Xmx" + relayHeap);
        }
        opts.addAll(relayJvmOptions);
        return opts;
    }

    /**
     * The checkout this tool belongs to: the parent of {@code bench/} when run from
     * {@code bench/target/stellar-bench.jar} (or its classes), else the working directory if it has
     * {@code relay/}, else null.
     */
    static Path projectRoot() {
        try {
            Path code = Path.of(CommonOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // bench/target/stellar-bench.jar or bench/target/classes
            Path target = code.getParent();
            if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")) {
                Path bench = target.getParent();
                if (bench != null && bench.getParent() != null && Files.isDirectory(bench.getParent().resolve("relay"))) {
                    return bench.getParent().toAbsolutePath().normalize();
                }
            }
        } catch (Exception ignored) {
            // fall through
        }
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("relay"))) {
            return cwd;
        }
        if (Files.isDirectory(cwd.resolveSibling("relay"))) {
            return cwd.getParent();
        }
        return null;
    }

    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        // The settings' own descriptions mask passwords in every form the URLs accept.
        m.put("database", DatabaseSettings.parse(databaseUrl).toString());
        m.put("redis", RedisSettings.parse(redisUrl).toString());
        m.put("target", target.wire());
        m.put("relayJar", relayJarPath().toString());
        m.put("relayJvmOptionsFile", relayJvmOptionsPath().toString());
        m.put("relayHeapOverride", relayHeap);
        m.put("relayJvmOptions", relayJvmOptions);
        m.put("relayEnvOverrides", relayEnv);
        m.put("pollIntervalMs", pollIntervalMs);
        m.put("sourceAddresses", sourceAddresses);
        m.put("clientPools", clientPools);
        m.put("selectorsPerAddress", selectorsPerAddress);
        m.put("connectTimeoutSeconds", connectTimeoutSeconds);
        m.put("phaseTimeoutSeconds", phaseTimeoutSeconds);
        return m;
    }
}
