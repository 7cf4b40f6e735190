package io.stellarrelay.relay;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;
import io.stellarrelay.metrics.ServiceMetrics;
import io.stellarrelay.relay.websocket.SocketSettings;
import io.stellarrelay.relay.websocket.WebSocketUpgrade;
import io.stellarrelay.relay.ws.ClientAdmission;
import io.stellarrelay.relay.ws.TokenEndpoint;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/** The relay's one port: Jetty tuned for reconnect storms, its WebSocket transport, and the HTTP routes. */
final class WebServer {
    private static final int ACCEPT_QUEUE_SIZE = 4096;
    /** How long a socket the relay closed may take to finish the close handshake. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private WebServer() {}

    static Javalin create(RelayConfig config, ClientAdmission admission, TokenEndpoint tokenEndpoint,
            Handler readiness, ServiceMetrics metrics, Consumer<JavalinConfig> extension) {
        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.addConnector((server, http) -> {
                ServerConnector http1 = new ServerConnector(server, new HttpConnectionFactory(http));
                http1.setHost(config.host());
                http1.setPort(config.port());
                // After a relay restart every client reconnects at once; the JDK's default backlog of 50
                // would drop most of those SYNs and make them wait for the kernel's 1 s and 3 s retries.
                http1.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                return http1;
            });
            // /api/ws is answered ahead of Javalin by the relay's own WebSocket transport on the same port.
            cfg.jetty.modifyServer(server -> server.insertHandler(new WebSocketUpgrade("/api/ws", admission,
                    new SocketSettings(server.getByteBufferPool(), virtualThreads("relay-client-"),
                            config.limits().maxMessageBytes(), config.limits().maxBufferedBytes(),
                            config.idleTimeout(), CLOSE_GRACE))));
            cfg.routes.get("/api/ws/token", tokenEndpoint::handle);
            cfg.routes.options("/api/ws/token", tokenEndpoint::preflight);
            cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "live")));
            cfg.routes.get("/health/ready", readiness);
            // For Prometheus on the internal network; keep it off the public load balancer (docs/security.md).
            cfg.routes.get("/metrics", ctx -> ctx.header("Cache-Control", "no-store")
                    .contentType(ServiceMetrics.CONTENT_TYPE).result(metrics.scrape()));
            extension.accept(cfg);
        });
    }

    /** Runs each task on a new virtual thread: client messages that may wait for the database. */
    private static Executor virtualThreads(String namePrefix) {
        ThreadFactory threads = Thread.ofVirtual().name(namePrefix, 0).factory();
        return task -> threads.newThread(task).start();
    }
}
