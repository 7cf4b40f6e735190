package io.stellarrelay.poller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /health/live} and {@code GET /health/ready} for compose health checks and orchestrators.
 * The poller has no other HTTP surface, so the JDK's small built-in server does the job.
 */
final class PollerHealth implements AutoCloseable {

    /** A readiness answer: HTTP status and JSON body. */
    record Status(boolean ready, String json) {}

    private final HttpServer server;

    PollerHealth(String host, int port, Supplier<Status> readiness) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + host + ":" + port + " for health checks", e);
        }
        server.setExecutor(Executors.newSingleThreadExecutor(Thread.ofPlatform().name("poller-health").daemon().factory()));
        server.createContext("/health/live", exchange -> respond(exchange, 200, "{\"status\":\"live\"}"));
        server.createContext("/health/ready", exchange -> {
            Status status = readiness.get();
            respond(exchange, status.ready() ? 200 : 503, status.json());
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
