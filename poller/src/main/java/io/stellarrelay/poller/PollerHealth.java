package io.stellarrelay.poller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.stellarrelay.metrics.ServiceMetrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /health/live} and {@code GET /health/ready} for compose health checks and orchestrators,
 * and {@code GET /metrics} for Prometheus. The poller has no other HTTP surface, so the JDK's small
 * built-in server does the job.
 */
final class PollerHealth implements AutoCloseable {

    /** A readiness answer: HTTP status and JSON body. */
    record Status(boolean ready, String json) {}

    private static final String JSON = "application/json";

    private final HttpServer server;
    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("poller-health").daemon().factory());

    PollerHealth(String host, int port, Supplier<Status> readiness, Supplier<String> metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + host + ":" + port + " for health checks", e);
        }
        server.setExecutor(executor);
        server.createContext("/health/live", exchange -> respond(exchange, 200, JSON, "{\"status\":\"live\"}"));
        server.createContext("/health/ready", exchange -> {
            Status status = readiness.get();
            respond(exchange, status.ready() ? 200 : 503, JSON, status.json());
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200, ServiceMetrics.CONTENT_TYPE, metrics.get()));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int code, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow(); // HttpServer.stop leaves a caller's executor running
    }
}
