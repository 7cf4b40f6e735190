package io.stellarrelay.embedded;

import redis.embedded.core.ExecutableProvider;
import redis.embedded.core.RedisServerBuilder;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} (codemonstur's binaries from Maven Central, Redis 6.2) on a free loopback
 * port. Its executable is unpacked into {@code directory}; nothing is persisted.
 *
 * <p>The library gives us the executable and its command line; we run the process ourselves. Its own
 * runner registers a shutdown hook that stops Redis the moment the JVM begins to exit, at the same time as
 * (not after) whatever still uses it, which then reports its server gone. Ours stops only in {@link #close}.
 */
public final class EmbeddedRedisServer implements AutoCloseable {
    private static final String READY = "Ready to accept connections";
    private static final long START_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final Process process;
    private final int port;

    private EmbeddedRedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static EmbeddedRedisServer start(Path directory) {
        try {
            return start(directory, freePort());
        } catch (IOException e) {
            throw new UncheckedIOException("No free port for embedded Redis", e);
        }
    }

    /** On a given port: fault tests stop a Redis and start a new one where clients expect it. */
    public static EmbeddedRedisServer start(Path directory, int port) {
        return start(directory, port, ExecutableProvider.newJarResourceProvider(directory.toFile()), List.of());
    }

    /**
     * The machine's own {@code redis-server} (found on the PATH) instead of the bundled 6.2, with extra
     * configuration lines: for tests of what needs a newer Redis, such as a Redis Cluster node with
     * sharded pub/sub (7.0).
     */
    public static EmbeddedRedisServer startInstalled(Path directory, int port, List<String> settings) {
        try {
            return start(directory, port, ExecutableProvider.newExecutableInPath("redis-server"), settings);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException("No redis-server on the PATH", e);
        }
    }

    private static EmbeddedRedisServer start(Path directory, int port, ExecutableProvider executable,
                                             List<String> settings) {
        Process process = null;
        try {
            RedisServerBuilder builder = new RedisServerBuilder()
                    .executableProvider(executable)
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + directory);
            settings.forEach(builder::setting);
            process = new ProcessBuilder(inOwnSession(builder.buildCommandArgs()))
                    .directory(directory.toFile()).redirectErrorStream(true).start();
            awaitReady(process, port);
            return new EmbeddedRedisServer(process, port);
        } catch (IOException e) {
            stop(process);
            throw new UncheckedIOException("Embedded Redis did not start", e);
        } catch (RuntimeException e) {
            stop(process);
            throw e;
        }
    }

    /** Waits for Redis to say it is ready, then keeps reading its output so that it never blocks on a full pipe. */
    private static void awaitReady(Process process, int port) throws IOException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread.ofPlatform().daemon().name("embedded-redis-" + port + "-output").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!ready.isDone()) {
                        output.append(line).append('\n');
                        if (line.contains(READY)) {
                            ready.complete(null);
                        }
                    }
                }
            } catch (IOException e) {
                // the process is gone; the future below says so if it never became ready
            }
            ready.completeExceptionally(new IOException("redis-server exited before it was ready:\n" + output));
        });
        try {
            ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("redis-server was not ready within " + START_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while redis-server started", e);
        }
    }

    /**
     * A terminal's Ctrl-C signals its whole foreground process group: a {@code redis-server} in the JVM's
     * group would exit at the same moment as the JVM starts its orderly shutdown. {@code setsid}
     * (util-linux) gives it a session of its own, so only {@link #close} stops it; it execs in place (a
     * child of the JVM is never a group leader), so the process we stop is Redis itself. Where there is no
     * {@code setsid} (macOS) Redis runs as before. PostgreSQL needs nothing: {@code pg_ctl} already starts
     * it in its own session.
     */
    private static List<String> inOwnSession(List<String> command) {
        Optional<Path> setsid = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "setsid"))
                .filter(Files::isExecutable)
                .findFirst();
        if (setsid.isEmpty()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add(setsid.get().toString());
        wrapped.addAll(command);
        return wrapped;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** SIGTERM (Redis shuts down cleanly), and if that does not end it in time, SIGKILL. */
    private static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(process);
    }
}
