package io.stellarrelay.embedded;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.core.RedisServerBuilder;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

/**
 * A real {@code redis-server} (codemonstur's binaries from Maven Central, Redis 6.2) on a free loopback
 * port. Its executable is unpacked into {@code directory}; nothing is persisted.
 */
public final class EmbeddedRedisServer implements AutoCloseable {
    private final RedisServer server;
    private final int port;

    private EmbeddedRedisServer(RedisServer server, int port) {
        this.server = server;
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
        try {
            RedisServerBuilder builder = RedisServer.newRedisServer()
                    .executableProvider(executable)
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + directory)
                    .onShutdownForceStop(false); // our own shutdown stops it, in order
            settings.forEach(builder::setting);
            RedisServer server = builder.build();
            server.start();
            return new EmbeddedRedisServer(server, port);
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Redis did not start", e);
        }
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

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Redis did not stop cleanly", e);
        }
    }
}
