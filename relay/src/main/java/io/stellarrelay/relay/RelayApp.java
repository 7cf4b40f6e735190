package io.stellarrelay.relay;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.stellarrelay.db.Databases;
import io.stellarrelay.metrics.ServiceMetrics;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.auth.BatchingPanel;
import io.stellarrelay.relay.auth.CachingPanel;
import io.stellarrelay.relay.auth.CookieAuthentication;
import io.stellarrelay.relay.auth.PanelDatabase;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.hub.ConsoleBatcher;
import io.stellarrelay.relay.hub.ConsoleOptIn;
import io.stellarrelay.relay.hub.ConsoleStreams;
import io.stellarrelay.relay.hub.DeliveryLanes;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.broker.RelaySubscriber;
import io.stellarrelay.relay.broker.WatchRegistration;
import io.stellarrelay.relay.guard.ClientAddresses;
import io.stellarrelay.relay.guard.OriginPolicy;
import io.stellarrelay.relay.metrics.RelayMetrics;
import io.stellarrelay.relay.ws.Authentication;
import io.stellarrelay.relay.ws.ClientAdmission;
import io.stellarrelay.relay.ws.ClientConnection;
import io.stellarrelay.relay.ws.ClientMessages;
import io.stellarrelay.relay.ws.Clients;
import io.stellarrelay.relay.ws.Revalidator;
import io.stellarrelay.relay.ws.Subscribing;
import io.stellarrelay.relay.ws.TokenEndpoint;
import io.stellarrelay.relay.websocket.SocketSettings;
import io.stellarrelay.relay.websocket.WebSocketUpgrade;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;

import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A relay: the WebSocket server plus its Redis and database plumbing. {@link #create} wires it,
 * {@link #start} opens the port, {@link #close} takes it down cleanly (withdrawing its watch set).
 */
public final class RelayApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayApp.class);
    private static final int ACCEPT_QUEUE_SIZE = 4096;
    /** How long a socket the relay closed may take to finish the close handshake. */
    private static final java.time.Duration CLOSE_GRACE = java.time.Duration.ofSeconds(5);

    private final RelayConfig config;
    private final HikariDataSource dataSource;
    private final RedisCommands redis;
    /** Frames waiting per delivery lane before the Redis reader has to wait. */
    private static final int DELIVERY_QUEUE_CAPACITY = 16_384;
    private final DeliveryLanes lanes;
    private final Hub hub;
    private final Hub consoles;
    private final ConsoleBatcher consoleBatcher;
    private final RelaySubscriber subscriber;
    /** Console streams (issue 16). */
    private final ConsoleStreams consoleStreams;
    private final WatchRegistration registration;
    private final Clients clients;
    private final Authentication authentication;
    private final ClientAdmission admission;
    private final Javalin javalin;
    private final ScheduledExecutorService keepalive;
    private final ScheduledExecutorService checks;
    private final Revalidator revalidator;
    private final CachingPanel panel;
    private final ServiceMetrics metrics = new ServiceMetrics();

    private RelayApp(RelayConfig config, Consumer<JavalinConfig> extension, UnaryOperator<DataSource> wrapDatabase) {
        this.config = config;
        // A relay only reads (sessions, access): from DATABASE_READ_URL's replica when one is set.
        this.dataSource = Databases.pool(config.shared().readDatabase(), "relay-db", config.databasePoolSize());
        DataSource database = wrapDatabase.apply(dataSource);
        String clientName = "stellar-relay:" + config.relayId();
        RedisConnector connector = RedisConnector.of(config.shared(), clientName);
        RedisNames names = new RedisNames(config.shared().redisPrefix());
        this.redis = connector.newCommands(8);
        this.lanes = DeliveryLanes.threads(config.deliveryThreads(), DELIVERY_QUEUE_CAPACITY);
        this.hub = new Hub(lanes);
        this.consoles = new Hub(lanes);
        ProtocolCodec codec = new ProtocolCodec();
        this.consoleBatcher = new ConsoleBatcher(consoles, codec, names, config.console());
        RelayMetrics relayMetrics = new RelayMetrics(metrics.registry());
        // Pub/sub may come from a nearby replica; every write (watch set, probes) goes to REDIS_URL.
        RedisConnector subscribeConnector = config.shared().redisCluster() ? connector
                : new RedisConnector(config.subscribeRedis(), clientName);
        LatestSyncs latest = new LatestSyncs(hub, redis.client(), names, config.shared().pollInterval());
        this.subscriber = RelaySubscriber.create(hub, consoles, consoleBatcher, latest, subscribeConnector, redis,
                names, config.relayId(), relayMetrics);
        int historyLines = config.console().historyLines();
        ConsoleOptIn consoleOptIn = historyLines > 0 ? new ConsoleOptIn(consoles, consoleBatcher) : new ConsoleOptIn(consoles);
        // On a cluster the streams are read from their slots' owners; otherwise from where pub/sub comes.
        ConsoleStreams.Nodes streamNodes = config.shared().redisCluster() ? ConsoleStreams.cluster(connector, redis)
                : ConsoleStreams.standalone(subscribeConnector);
        this.consoleStreams = new ConsoleStreams(consoles, consoleBatcher, streamNodes, names, consoleOptIn, historyLines,
                config.console().batchWindow().dividedBy(2));
        this.registration = new WatchRegistration(hub, redis, names, config.relayId(), config.watchLease());

        PanelDatabase tables = new PanelDatabase(database);
        // A third of the pool at most for lookups of each kind, so a storm leaves connections for the rest.
        BatchingPanel batched = new BatchingPanel(tables, tables, Math.max(1, config.databasePoolSize() / 3));
        this.panel = new CachingPanel(batched, batched, config.security().revalidateInterval());
        SessionCookie cookies = new SessionCookie(config.authSecret());
        OriginPolicy origins = new OriginPolicy(config.security().allowedOrigins());
        RelayConfig.Limits limits = config.limits();
        this.clients = new Clients(limits.maxConnectionsPerAddress(), limits.maxConnectionsPerUser(), limits.authTimeout());
        this.authentication = new Authentication(panel, clients, limits.maxAuthFailuresPerAddress(),
                limits.maxAuthFailuresPerConnection(), relayMetrics);
        ClientMessages messages = new ClientMessages(codec, clients, authentication,
                new Subscribing(panel, latest, limits.maxSubscriptionsPerConnection()));
        this.admission = new ClientAdmission(clients,
                new ClientConnection.Shared(messages, codec, hub, consoleOptIn, relayMetrics), cookies, origins,
                new ClientAddresses(config.security().trustedProxies()), limits);
        relayMetrics.observe(new RelayMetrics.Readings() {
            @Override
            public int connections() {
                return clients.count();
            }

            @Override
            public int authenticatedConnections() {
                return clients.authenticatedCount();
            }

            @Override
            public long subscriptions() {
                return hub.subscriptionCount();
            }

            @Override
            public int watchedServers() {
                return hub.watchedServerCount();
            }

            @Override
            public int queuedDeliveries() {
                return hub.queuedDeliveries();
            }
        });
        this.revalidator = new Revalidator(panel, panel, clients::connections);
        TokenEndpoint tokenEndpoint = new TokenEndpoint(new CookieAuthentication(cookies, panel), origins);
        this.javalin = Javalin.create(cfg -> {
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
            cfg.routes.get("/health/ready", this::ready);
            // For Prometheus on the internal network; keep it off the public load balancer (docs/security.md).
            cfg.routes.get("/metrics", ctx -> ctx.header("Cache-Control", "no-store")
                    .contentType(ServiceMetrics.CONTENT_TYPE).result(metrics.scrape()));
            extension.accept(cfg);
        });
        this.keepalive = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("relay-keepalive").daemon().factory());
        this.checks = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("relay-revalidation").daemon().factory());
    }

    /** Runs each task on a new virtual thread: client messages that may wait for the database. */
    private static Executor virtualThreads(String namePrefix) {
        ThreadFactory threads = Thread.ofVirtual().name(namePrefix, 0).factory();
        return task -> threads.newThread(task).start();
    }

    public static RelayApp create(RelayConfig config) {
        return new RelayApp(config, cfg -> { }, UnaryOperator.identity());
    }

    /** A relay with extra Javalin configuration (the demo adds its page and helper routes this way). */
    public static RelayApp create(RelayConfig config, Consumer<JavalinConfig> extension) {
        return new RelayApp(config, extension, UnaryOperator.identity());
    }

    /**
     * A relay whose database access goes through {@code wrapDatabase}: tests and the benchmark count
     * the statements the relay runs this way.
     */
    public static RelayApp createWrappingDatabase(RelayConfig config, UnaryOperator<DataSource> wrapDatabase) {
        return new RelayApp(config, cfg -> { }, wrapDatabase);
    }

    public RelayApp start() {
        subscriber.start();
        consoleStreams.start();
        registration.start();
        javalin.start();
        long pingTick = Math.max(1, config.pingInterval().toMillis() / Clients.PING_SLOTS);
        keepalive.scheduleWithFixedDelay(this::pingSlot, pingTick, pingTick, TimeUnit.MILLISECONDS);
        long deadlineCheck = Math.max(50, Math.min(1000, config.limits().authTimeout().toMillis() / 4));
        keepalive.scheduleWithFixedDelay(this::enforceDeadlines, deadlineCheck, deadlineCheck, TimeUnit.MILLISECONDS);
        long revalidate = config.security().revalidateInterval().toMillis();
        checks.scheduleWithFixedDelay(() -> guarded("Re-check of live sessions", () -> {
            revalidator.run();
            panel.prune();
        }), revalidate, revalidate, TimeUnit.MILLISECONDS);
        log.info("Relay {} listening on {}:{} (Redis prefix '{}')", config.relayId(), config.host(), port(),
                config.shared().redisPrefix());
        return this;
    }

    private void pingSlot() {
        // Two missed pongs and a half: a peer that answers none of them is gone.
        guarded("Keepalive round", () -> clients.pingNextSlot(config.pingInterval().multipliedBy(5).dividedBy(2)));
    }

    /** Runs a periodic task's body so that nothing it throws cancels the schedule. */
    private static void guarded(String what, Runnable body) {
        try {
            body.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            log.warn("{} failed", what, e);
        }
    }

    /** Ready when not draining and Redis (commands and pub/sub) and PostgreSQL answer. */
    private void ready(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        boolean redisUp = check(() -> "PONG".equals(redis.client().ping()));
        boolean pubsubUp = subscriber.isDelivering();
        boolean databaseUp = check(() -> {
            try (java.sql.Connection c = dataSource.getConnection()) {
                return c.isValid(1);
            }
        });
        String status = clients.isDraining() ? "draining" : redisUp && pubsubUp && databaseUp ? "ready" : "not ready";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("redis", redisUp ? "up" : "down");
        body.put("pubsub", pubsubUp ? "up" : "down");
        body.put("database", databaseUp ? "up" : "down");
        body.put("connections", clients.count());
        ctx.status(status.equals("ready") ? 200 : 503).json(body);
    }

    private static boolean check(java.util.concurrent.Callable<Boolean> probe) {
        try {
            return probe.call();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Leaves gracefully (SIGTERM, rolling restart): reports not ready, refuses new sockets, closes the
     * open ones in batches with 1012 so that they reconnect (the load balancer sends them to another
     * relay), withdraws the watch set, and returns when all are gone or the shutdown timeout is near.
     */
    public void drain() {
        long deadline = System.nanoTime() + config.drain().timeout().toNanos();
        clients.startDraining();
        int count = clients.count();
        log.info("Relay {} draining: closing {} sockets, {} at a time", config.relayId(), count,
                config.drain().batchSize());
        java.util.List<ClientConnection> open = new java.util.ArrayList<>(clients.connections());
        for (int from = 0; from < open.size(); from += config.drain().batchSize()) {
            for (var c : open.subList(from, Math.min(open.size(), from + config.drain().batchSize()))) {
                c.close(CloseCode.SERVICE_RESTART);
            }
            if (System.nanoTime() + config.drain().batchInterval().toNanos() < deadline) {
                pause(config.drain().batchInterval().toMillis());
            }
        }
        // Leave time for the close handshakes, but keep a quarter of the budget for the rest of shutdown.
        long handshakeDeadline = deadline - config.drain().timeout().toNanos() / 4;
        while (clients.count() > 0 && System.nanoTime() < handshakeDeadline) {
            pause(20);
        }
        registration.withdraw();
    }

    /** Pacing between drain batches and while close handshakes finish; not a synchronisation. */
    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void enforceDeadlines() {
        guarded("Deadline check", () -> {
            clients.enforceDeadlines();
            authentication.prune(System.nanoTime());
        });
    }

    /** Runs one re-check of every live session and subscription now (tests, and operators via tools). */
    public void revalidateNow() {
        revalidator.run();
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

    /** Local sockets currently receiving the server's frames. */
    public int watcherCount(String serverId) {
        return hub.watcherCount(serverId);
    }

    /** Local sockets currently receiving the server's console. */
    public int consoleWatcherCount(String serverId) {
        return consoles.watcherCount(serverId);
    }

    public int connectionCount() {
        return clients.count();
    }

    /** Closes every client socket with {@code code}. */
    public void closeAllConnections(CloseCode code) {
        clients.closeAll(code);
    }

    @Override
    public void close() {
        keepalive.shutdownNow();
        checks.shutdownNow();
        try {
            javalin.stop();
        } catch (RuntimeException e) {
            log.warn("Stopping the web server failed", e);
        }
        registration.close();
        registration.withdraw();
        subscriber.close();
        consoleStreams.close();
        consoleBatcher.close();
        lanes.close();
        redis.close();
        dataSource.close();
        metrics.close();
        log.info("Relay {} stopped", config.relayId());
    }
}
