package io.stellarrelay.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real relay, as a separate JVM ({@code java -jar stellar-relay.jar}) so that its CPU and memory can
 * be read from /proc apart from the generator's. Configured only through its environment, exactly as
 * in production; its output goes to a log file next to the results.
 */
public final class RelayProcess implements AutoCloseable {
    /** Variables whose values are never written to the report. */
    private static final List<String> SECRET = List.of("BETTER_AUTH_SECRET", "DATABASE_URL", "REDIS_URL");

    private final Process process;
    private final int port;
    private final Path log;
    private final Map<String, String> env;
    private final List<String> command;
    private final String jcmd;
    private final Path copyDir;
    private final String description;

    private RelayProcess(Process process, int port, Path log, Map<String, String> env, List<String> command, String jcmd,
                         Path copyDir, String description) {
        this.copyDir = copyDir;
        this.description = description;
        this.process = process;
        this.port = port;
        this.log = log;
        this.env = env;
        this.command = command;
        this.jcmd = jcmd;
    }

    /**
     * Starts the relay and waits until {@code /health/ready} answers 200 (Redis, pub/sub and PostgreSQL
     * up), at most {@code readyTimeout}.
     */
    public static RelayProcess start(String java, Path relayJar, List<String> jvmOptions, Map<String, String> env,
                                     Path log, Duration readyTimeout) throws IOException, InterruptedException {
        return start(java, relayJar, jvmOptions, env, log, readyTimeout, "PORT");
    }

    /**
     * Any of the project's services: {@code portVariable} names the variable of the port that serves
     * {@code /health/ready} ({@code PORT} for the relay, {@code HEALTH_PORT} for the poller).
     */
    public static RelayProcess start(String java, Path relayJar, List<String> jvmOptions, Map<String, String> env,
                                     Path log, Duration readyTimeout, String portVariable)
            throws IOException, InterruptedException {
        if (!Files.isRegularFile(relayJar)) {
            throw new IllegalStateException("jar not found: " + relayJar
                    + " (build it: mvn -B -DskipTests package, or pass --relay-jar / --poller-jar)");
        }
        // Run a private copy: a rebuild of relay/target while the benchmark runs would otherwise pull
        // classes out from under the running relay (NoClassDefFoundError half-way through a run).
        Path copyDir = Files.createTempDirectory("stellar-bench-relay");
        Path copy = copyDir.resolve("service.jar");
        Files.copy(relayJar, copy);
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(copy.toString());
        String jcmd = Path.of(java).toAbsolutePath().getParent().resolve("jcmd").toString();
        return launch(command, null, env, log, readyTimeout, portVariable, jcmd, copyDir,
                relayJar.toAbsolutePath() + " (modified " + Files.getLastModifiedTime(relayJar) + ", "
                        + Files.size(relayJar) + " bytes)");
    }

    /**
     * A process that is not a JVM (a reference relay): the same readiness wait, /proc readings and stop,
     * without jcmd (thread CPU and heap readings are then empty and -1).
     */
    static RelayProcess startCommand(List<String> command, Path workDir, Map<String, String> env, Path log,
                                     Duration readyTimeout, String description) throws IOException, InterruptedException {
        return launch(command, workDir, env, log, readyTimeout, "PORT", null, null, description);
    }

    private static RelayProcess launch(List<String> command, Path workDir, Map<String, String> env, Path log,
                                       Duration readyTimeout, String portVariable, String jcmd, Path copyDir,
                                       String description) throws IOException, InterruptedException {
        Map<String, String> full = new LinkedHashMap<>(env);
        int port = Integer.parseInt(full.getOrDefault(portVariable, "0"));
        if (port == 0) {
            port = freePort();
            full.put(portVariable, Integer.toString(port));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        // Only what we pass: the relay must not pick up a stray variable of the caller's shell.
        pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
        pb.environment().putAll(full);
        Process p = pb.start();
        RelayProcess relay = new RelayProcess(p, port, log, full, command, jcmd, copyDir, description);
        try {
            relay.awaitReady(readyTimeout);
        } catch (RuntimeException | InterruptedException e) {
            relay.stop(Duration.ofSeconds(5));
            throw e;
        }
        return relay;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = healthClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the process exited with status " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the process was not ready within " + timeout.toSeconds() + " s (" + last
                + "); see " + log);
    }

    /** {@code GET /health/ready}: the relay's own count of open sockets, or -1. */
    public int connectionCount() {
        try {
            HttpClient http = healthClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("\"connections\"\\s*:\\s*(\\d+)").matcher(r.body());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * HTTP/1.1 only: by default the client offers an h2c upgrade, which a server that routes upgrades
     * to its WebSocket handler (Node's ws reference) refuses with 400.
     */
    private static HttpClient healthClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public URI webSocketUri() {
        return URI.create("ws://127.0.0.1:" + port + "/api/ws");
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public ProcStats stats() {
        return ProcStats.read(process.pid());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Runs a full GC in the relay ({@code jcmd PID GC.run}), so that the next heap reading is live data. */
    public void fullGc() {
        jcmd("GC.run");
    }

    /**
     * Heap in use, from {@code jcmd PID GC.heap_info} (the relay serves no heap figure over HTTP), in
     * bytes; -1 when jcmd is not available.
     */
    public long heapUsedBytes() {
        return heapUsedBytes(jcmd("GC.heap_info"));
    }

    /**
     * The heap in use that a {@code GC.heap_info} report states, in bytes; -1 when it states none. Every
     * generation counts: the serial collector reports its young and old generations on lines of their
     * own, and after a full GC the young one is nearly empty, so reading only the first line (as this
     * did) gave 0.2 MiB for a relay holding 19,000 sockets. Metaspace lines have no total and are left out.
     */
    static long heapUsedBytes(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        long usedKiB = 0;
        boolean found = false;
        while (m.find()) {
            usedKiB += Long.parseLong(m.group(1));
            found = true;
        }
        return found ? usedKiB * 1024 : -1;
    }

    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /** {@code jcmd PID Thread.print}, for profiles of where the relay spends its time. */
    public String threadDump() {
        return jcmd("Thread.print");
    }

    /**
     * CPU milliseconds used so far by each thread of the relay, by thread name (see
     * {@link ProcStats#threadCpuMillis}); virtual threads show as their carriers (ForkJoinPool-#-worker-#).
     */
    public Map<String, Double> threadCpuMillis() {
        return ProcStats.threadCpuMillis(process.pid());
    }

    /** Where relay CPU went between two {@link #threadCpuMillis()} readings: the busiest thread groups first. */
    public static Map<String, Double> threadCpuDelta(Map<String, Double> before, Map<String, Double> after, int top) {
        Map<String, Double> delta = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() >= 0.5)
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .limit(top)
                .forEach(e -> delta.put(e.getKey(), Math.round(e.getValue() * 10) / 10.0));
        return delta;
    }

    String jcmd(String... args) {
        if (jcmd == null) {
            return ""; // not a JVM
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(jcmd);
        cmd.add(Long.toString(process.pid()));
        cmd.addAll(List.of(args));
        try {
            // Output goes to a file, so the minute's bound holds even when jcmd hangs on a stuck relay.
            Path out = Files.createTempFile("stellar-bench-jcmd", ".txt");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The command line and environment for the report, secrets and URLs masked. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", pid());
        m.put("port", port);
        m.put("program", description);
        m.put("command", String.join(" ", command));
        Map<String, String> shown = new LinkedHashMap<>();
        env.forEach((k, v) -> shown.put(k, SECRET.contains(k) ? "(set)" : v));
        m.put("env", shown);
        m.put("log", log.toString());
        return m;
    }

    /** SIGKILL at once (a crash): no drain, no goodbye to Redis. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (the relay drains and exits), then SIGKILL if it is still there after {@code grace}. */
    public void stop(Duration grace) {
        try {
            terminate(grace);
        } finally {
            deleteCopy();
        }
    }

    private void deleteCopy() {
        if (copyDir == null) {
            return;
        }
        try {
            Files.deleteIfExists(copyDir.resolve("service.jar"));
            Files.deleteIfExists(copyDir);
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }

    private void terminate(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(15));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
