package io.stellarrelay.relay;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.stellarrelay.db.Databases;
import io.stellarrelay.lifecycle.Lifecycle;
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
import io.stellarrelay.relay.console.ConsoleBatcher;
import io.stellarrelay.relay.console.ConsoleOptIn;
import io.stellarrelay.relay.console.ConsoleStreams;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;


import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A relay: the WebSocket server plus its Redis and database plumbing. {@link #create} wires it and lists
 * its parts in one {@link Lifecycle}, {@link #start} starts them in that order (the web server after
 * pub/sub and the watch set, so no client is served before they run), {@link #close} stops them in reverse.
 */
public final class RelayApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayApp.class);
    /** Frames waiting per delivery lane before the Redis reader has to wait. */
    private static final int DELIVERY_QUEUE_CAPACITY = 16_384;

    private final RelayConfig config;
    private final Lifecycle lifecycle = new Lifecycle();
    private final Hub hub;
    private final Hub consoles;
    private final Clients clients;
    private final Availability availability;
    private final Javalin javalin;
    private final Revalidator revalidator;

    private RelayApp(RelayConfig config, Consumer<JavalinConfig> extension, UnaryOperator<DataSource> wrapDatabase) {
        this.config = config;
        ServiceMetrics metrics = lifecycle.resource("metrics", new ServiceMetrics());
        // A relay only reads (sessions, access): from DATABASE_READ_URL's replica when one is set.
        HikariDataSource dataSource = lifecycle.resource("database pool",
                Databases.pool(config.shared().readDatabase(), "relay-db", config.databasePoolSize()));
        DataSource database = wrapDatabase.apply(dataSource);
        String clientName = "stellar-relay:" + config.relayId();
        RedisConnector connector = RedisConnector.of(config.shared(), clientName);
        RedisNames names = new RedisNames(config.shared().redisPrefix());
        RedisCommands redis = lifecycle.resource("Redis client", connector.newCommands(8));
        DeliveryLanes lanes = lifecycle.resource("delivery lanes",
                DeliveryLanes.threads(config.deliveryThreads(), DELIVERY_QUEUE_CAPACITY));
        // A server kept one poll interval after its last watcher leaves: a client that comes straight back
        // (a reload, a reconnect storm) costs no unsubscribe and subscribe, watch-set change or state fetch.
        this.hub = new Hub(lanes, config.shared().pollInterval(), System::nanoTime);
        this.consoles = new Hub(lanes);
        ProtocolCodec codec = new ProtocolCodec();
        ConsoleBatcher consoleBatcher = lifecycle.resource("console batcher",
                new ConsoleBatcher(consoles, codec, names, config.console()));
        RelayMetrics relayMetrics = new RelayMetrics(metrics.registry());
        // Pub/sub may come from a nearby replica; every write (watch set, probes) goes to REDIS_URL.
        RedisConnector subscribeConnector = config.shared().redisCluster() ? connector
                : new RedisConnector(config.subscribeRedis(), clientName);
        LatestSyncs latest = new LatestSyncs(hub, redis, names, config.shared().pollInterval());
        RelaySubscriber subscriber = RelaySubscriber.create(hub, consoles, consoleBatcher, latest, subscribeConnector,
                redis, names, config.relayId(), relayMetrics);
        lifecycle.add("pub/sub", subscriber::start, subscriber::close);
        int historyLines = config.console().historyLines();
        ConsoleOptIn consoleOptIn = historyLines > 0 ? new ConsoleOptIn(consoles, consoleBatcher) : new ConsoleOptIn(consoles);
        // On a cluster the streams are read from their slots' owners; otherwise from where pub/sub comes.
        ConsoleStreams.Nodes streamNodes = config.shared().redisCluster() ? ConsoleStreams.cluster(connector, redis)
                : ConsoleStreams.standalone(subscribeConnector);
        ConsoleStreams consoleStreams = new ConsoleStreams(consoles, consoleBatcher, streamNodes, names, consoleOptIn,
                historyLines, config.console().batchWindow().dividedBy(2));
        lifecycle.add("console streams", consoleStreams::start, consoleStreams::close);
        WatchRegistration registration = new WatchRegistration(hub, redis, names, config.relayId(), config.watchLease());
        lifecycle.add("watch registration", registration::start, () -> {
            registration.close();
            registration.withdraw();
        });

        PanelDatabase tables = new PanelDatabase(database);
        // A third of the pool at most for lookups of each kind, so a storm leaves connections for the rest.
        BatchingPanel batched = new BatchingPanel(tables, Math.max(1, config.databasePoolSize() / 3));
        CachingPanel panel = new CachingPanel(batched, config.security().revalidateInterval());
        SessionCookie cookies = new SessionCookie(config.authSecret());
        OriginPolicy origins = new OriginPolicy(config.security().allowedOrigins());
        RelayConfig.Limits limits = config.limits();
        this.clients = new Clients(limits.maxConnectionsPerAddress(), limits.maxConnectionsPerUser(), limits.authTimeout());
        Authentication authentication = new Authentication(panel, clients, limits.maxAuthFailuresPerAddress(),
                limits.maxAuthFailuresPerConnection(), relayMetrics);
        ClientMessages messages = new ClientMessages(codec, clients, authentication,
                new Subscribing(panel, latest, limits.maxSubscriptionsPerConnection()));
        ClientAdmission admission = new ClientAdmission(clients,
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
        this.revalidator = new Revalidator(panel, clients::connections);
        this.availability = new Availability(config.relayId(), config.drain(), clients, new Availability.Probes(
                redis::ping,
                subscriber::isDelivering,
                () -> {
                    try (Connection c = dataSource.getConnection()) {
                        return c.isValid(1);
                    }
                }), registration::withdraw);
        TokenEndpoint tokenEndpoint = new TokenEndpoint(new CookieAuthentication(cookies, panel), origins);
        this.javalin = WebServer.create(config, admission, tokenEndpoint, availability::ready, metrics, extension);
        lifecycle.add("web server", javalin::start, javalin::stop);
        Housekeeping housekeeping = new Housekeeping(config, clients, authentication, revalidator, panel, hub);
        lifecycle.add("keepalive and re-checks", housekeeping::start, housekeeping::close);
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
        lifecycle.start();
        log.info("Relay {} listening on {}:{} (Redis prefix '{}')", config.relayId(), config.host(), port(),
                config.shared().redisPrefix());
        return this;
    }

    /**
     * Leaves gracefully (SIGTERM, rolling restart): hands the clients over to other relays and withdraws
     * the watch set (see {@link Availability#drain}); {@link #close} follows.
     */
    public void drain() {
        availability.drain();
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
        lifecycle.close();
        log.info("Relay {} stopped", config.relayId());
    }
}
