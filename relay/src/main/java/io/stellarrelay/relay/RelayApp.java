package io.stellarrelay.relay;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.stellarrelay.db.Databases;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.auth.PanelDatabase;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.hub.ChannelSubscriber;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.WatchRegistration;
import io.stellarrelay.relay.ws.RelayWebSocket;
import io.stellarrelay.relay.ws.TokenEndpoint;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A relay: the WebSocket server plus its Redis and database plumbing. {@link #create} wires it,
 * {@link #start} opens the port, {@link #close} takes it down cleanly (withdrawing its watch set).
 */
public final class RelayApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayApp.class);
    private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024;

    private final RelayConfig config;
    private final HikariDataSource dataSource;
    private final RedisClient redis;
    private final Hub hub;
    private final ChannelSubscriber subscriber;
    private final WatchRegistration registration;
    private final RelayWebSocket webSocket;
    private final Javalin javalin;
    private final ScheduledExecutorService keepalive;

    private RelayApp(RelayConfig config, Consumer<JavalinConfig> extension) {
        this.config = config;
        this.dataSource = Databases.pool(config.shared().database(), "relay-db", config.databasePoolSize());
        RedisConnector connector = new RedisConnector(config.shared().redis(), "stellar-relay:" + config.relayId());
        RedisNames names = new RedisNames(config.shared().redisPrefix());
        this.redis = connector.newClient(8);
        this.hub = new Hub();
        this.subscriber = new ChannelSubscriber(hub, connector, names, config.relayId());
        this.registration = new WatchRegistration(hub, redis, names, config.relayId(), config.watchLease());

        PanelDatabase panel = new PanelDatabase(dataSource);
        SessionCookie cookies = new SessionCookie(config.authSecret());
        ProtocolCodec codec = new ProtocolCodec();
        this.webSocket = new RelayWebSocket(cookies, panel, panel, hub, codec);
        TokenEndpoint tokenEndpoint = new TokenEndpoint(cookies, panel);
        this.javalin = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.jetty.modifyWebSocketServletFactory(factory -> {
                factory.setIdleTimeout(config.idleTimeout());
                factory.setMaxTextMessageSize(MAX_INBOUND_MESSAGE_BYTES);
                factory.setMaxBinaryMessageSize(MAX_INBOUND_MESSAGE_BYTES);
            });
            cfg.jetty.modifyServletContextHandler(handler -> handler.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarted(LifeCycle event) {
                    // Per-message compression would deflate every sync once per socket and hold a
                    // deflater per connection: exactly the per-socket work the fan-out avoids.
                    WebSocketServerComponents.getWebSocketComponents(handler)
                            .getExtensionRegistry().unregister("permessage-deflate");
                }
            }));
            cfg.routes.get("/api/ws/token", tokenEndpoint::handle);
            cfg.routes.get("/health/live", ctx -> ctx.result("ok"));
            cfg.routes.wsBeforeUpgrade("/api/ws", webSocket::beforeUpgrade);
            cfg.routes.ws("/api/ws", webSocket::configure);
            extension.accept(cfg);
        });
        this.keepalive = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("relay-keepalive").daemon().factory());
    }

    public static RelayApp create(RelayConfig config) {
        return new RelayApp(config, cfg -> { });
    }

    /** A relay with extra Javalin configuration (the demo adds its page and helper routes this way). */
    public static RelayApp create(RelayConfig config, Consumer<JavalinConfig> extension) {
        return new RelayApp(config, extension);
    }

    public RelayApp start() {
        subscriber.start();
        registration.start();
        javalin.start();
        long ping = config.pingInterval().toMillis();
        keepalive.scheduleWithFixedDelay(this::pingAll, ping, ping, TimeUnit.MILLISECONDS);
        log.info("Relay {} listening on {}:{} (Redis prefix '{}')", config.relayId(), config.host(), port(),
                config.shared().redisPrefix());
        return this;
    }

    private void pingAll() {
        try {
            webSocket.pingAll();
        } catch (RuntimeException e) {
            log.warn("Keepalive round failed", e);
        }
    }

    /** The bound port (useful with {@code PORT=0}). */
    public int port() {
        return javalin.port();
    }

    public String relayId() {
        return config.relayId();
    }

    /** Servers at least one local socket watches. */
    public int watchedServerCount() {
        return hub.watchedServerCount();
    }

    public int connectionCount() {
        return webSocket.connections().size();
    }

    /** Closes every client socket with {@code code}; clients are expected to reconnect (elsewhere). */
    public void closeAllConnections(int code, String reason) {
        webSocket.closeAll(code, reason);
    }

    @Override
    public void close() {
        keepalive.shutdownNow();
        try {
            javalin.stop();
        } catch (RuntimeException e) {
            log.warn("Stopping the web server failed", e);
        }
        registration.close();
        registration.withdraw();
        subscriber.close();
        redis.close();
        dataSource.close();
        log.info("Relay {} stopped", config.relayId());
    }
}
