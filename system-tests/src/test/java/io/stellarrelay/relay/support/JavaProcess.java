package io.stellarrelay.relay.support;

import io.stellarrelay.relay.RelayMain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A relay or poller as a separate JVM, so that a test can stop it the way production does: SIGTERM
 * ({@link #terminate}, which runs the shutdown hooks) or SIGKILL ({@link #kill}, which runs nothing).
 * Its output goes to {@code target/<name>.log}, kept for when a test fails.
 */
public final class JavaProcess implements AutoCloseable {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Runs {@code mainClass} with the test classpath (every module and dependency of this build). */
    public static JavaProcess startMain(String name, Class<?> mainClass, Map<String, String> env) {
        return start(name, List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()), env);
    }

    /**
     * Runs the relay as deployed, from the jar the relay module packaged (named by the system property
     * {@code stellar.relay.jar}, which this module's build sets), or from {@link RelayMain} on the test
     * classpath when there is no such jar.
     */
    public static JavaProcess startRelay(String name, Map<String, String> env) {
        String jar = System.getProperty("stellar.relay.jar");
        return jar != null && Files.exists(Path.of(jar))
                ? start(name, List.of("-jar", jar), env)
                : startMain(name, RelayMain.class, env);
    }

    private static JavaProcess start(String name, List<String> arguments, Map<String, String> env) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:TieredStopAtLevel=1"); // starts faster; these processes live a few seconds
        command.addAll(arguments);
        try {
            Path log = Files.createDirectories(Path.of("target")).resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(env);
            return new JavaProcess(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    /**
     * A port that was free a moment ago, for a process that must be told its port in advance. Never the
     * same port twice in this JVM: processes started side by side bind late, so a port handed to one of
     * them is still free when the next is chosen, and two processes told the same port race for it
     * (the loser exits, and the winner answers requests meant for the other).
     */
    public static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Waits until the process answers 200 to {@code GET http://127.0.0.1:<port><path>} (a health
     * endpoint), failing at once should it exit first.
     */
    public void awaitHttpOk(int port, String path, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .failFast(name + " exited: " + this, () -> !isAlive())
                .until(() -> RelayFixture.get(port, path, null).statusCode() == 200);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM on Linux and macOS: the JVM runs its shutdown hooks (graceful stop). */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: no shutdown hook, no cleanup, like a crash or an OOM kill. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the process to exit; true if it did within {@code timeout}. */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitValue() {
        return process.exitValue();
    }

    /** Everything the process has printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log.toAbsolutePath() + ")";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
