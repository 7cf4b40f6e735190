package io.stellarrelay.embedded;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

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
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .executableProvider(ExecutableProvider.newJarResourceProvider(directory.toFile()))
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + directory)
                    .onShutdownForceStop(false) // our own shutdown stops it, in order
                    .build();
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
