package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.ClientMessage;
import io.stellarrelay.protocol.EventKind;
import org.eclipse.jetty.http.HttpStatus;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ProtocolException;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.auth.AccessPolicy;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import io.stellarrelay.relay.guard.AuthFailures;
import io.stellarrelay.relay.guard.ClientAddresses;
import io.stellarrelay.relay.guard.ConnectionCounter;
import io.stellarrelay.relay.guard.OriginPolicy;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.LatestSyncs;
import io.stellarrelay.relay.metrics.RelayMetrics;
import io.stellarrelay.relay.metrics.RelayMetrics.AuthFailure;
import io.stellarrelay.relay.websocket.Admission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code /api/ws} endpoint: origin and address checks at the upgrade, cookie authentication at
 * open, then the documented messages within the configured limits.
 *
 * <p>Each client is a {@link ClientConnection} over a socket of the relay's own WebSocket transport
 * ({@code websocket} package). Messages are handled on virtual threads and a socket's next frame is read
 * only after the previous one was handled, so each socket's frames are handled strictly in order even
 * though the database calls block.
 */
public final class RelayWebSocket implements Admission {
    private static final Logger log = LoggerFactory.getLogger(RelayWebSocket.class);
    private static final int MAX_TOKEN_LENGTH = 1024;

    private final SessionCookie cookies;
    private final SessionStore sessions;
    private final AccessPolicy access;
    private final Hub hub;
    private final Hub consoles;
    private final LatestSyncs latest;
    private final ProtocolCodec codec;
    private final OriginPolicy origins;
    private final ClientAddresses addresses;
    private final RelayConfig.Limits limits;
    private final ConnectionCounter perAddress;
    private final ConnectionCounter perUser;
    private final AuthFailures authFailures;
    private final RelayMetrics metrics;
    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger authenticated = new AtomicInteger(); // open sockets holding a per-user slot
    private volatile boolean warnedAboutProxies;
    private volatile boolean draining;

    /**
     * @param hub      where sockets watch servers
     * @param consoles where sockets that read a server's console watch it
     */
    public RelayWebSocket(SessionCookie cookies, SessionStore sessions, AccessPolicy access, Hub hub, Hub consoles,
                          LatestSyncs latest, ProtocolCodec codec, OriginPolicy origins,
                          ClientAddresses addresses, RelayConfig.Limits limits, RelayMetrics metrics) {
        this.latest = latest;
        this.consoles = consoles;
        this.metrics = metrics;
        this.cookies = cookies;
        this.sessions = sessions;
        this.access = access;
        this.hub = hub;
        this.codec = codec;
        this.origins = origins;
        this.addresses = addresses;
        this.limits = limits;
        this.perAddress = new ConnectionCounter(limits.maxConnectionsPerAddress());
        this.perUser = new ConnectionCounter(limits.maxConnectionsPerUser());
        this.authFailures = new AuthFailures(limits.maxAuthFailuresPerAddress(), Duration.ofMinutes(1));
    }

    /**
     * Runs on the HTTP upgrade request and decides whether it becomes a socket: refuses addresses at
     * their connection limit (429) and a draining relay (503); reads the cookie only for pages of
     * allowed origins (cross-site WebSocket hijacking) and checks only its signature here, the session
     * itself at open.
     */
    @Override
    public Decision admit(Request request) {
        if (draining) {
            return new Refuse(HttpStatus.SERVICE_UNAVAILABLE_503, CloseCode.SERVICE_RESTART.reason());
        }
        String forwardedFor = request.header("X-Forwarded-For");
        if (forwardedFor != null && !addresses.trustsAnyProxy() && !warnedAboutProxies) {
            warnedAboutProxies = true;
            log.warn("Requests carry X-Forwarded-For but TRUSTED_PROXIES is empty: every client behind the proxy "
                    + "counts as the proxy's address for the per-address limits. Set TRUSTED_PROXIES.");
        }
        String address = ClientAddresses.limitKey(addresses.resolve(request.remoteAddress(), forwardedFor));
        if (perAddress.count(address) >= limits.maxConnectionsPerAddress()) {
            return new Refuse(HttpStatus.TOO_MANY_REQUESTS_429, CloseCode.TOO_MANY_CONNECTIONS.reason());
        }
        String cookieToken = origins.allows(request.header("Origin"), request.header("Host"))
                ? cookies.verifiedToken(request.header("Cookie")).orElse(null)
                : null;
        return new Accept(new ClientConnection(this, codec, hub, consoles, metrics, address, cookieToken,
                new TokenBucket(limits.messagesPerSecond(), limits.messageBurst(), System.nanoTime())));
    }

    /** Every open socket, for pings, checks and shutdown. */
    public Set<ClientConnection> connections() {
        return connections;
    }

    /** Open sockets that have authenticated. */
    public int authenticatedCount() {
        return authenticated.get();
    }

    void opened(ClientConnection connection, String cookieToken) {
        if (!perAddress.tryAcquire(connection.address())) {
            connection.close(CloseCode.TOO_MANY_CONNECTIONS);
            return;
        }
        connections.add(connection);
        if (draining) {
            connection.close(CloseCode.SERVICE_RESTART);
            return;
        }
        if (cookieToken != null) {
            // A cookie that names no valid session gets no answer: the client then falls back to a token.
            authenticate(connection, cookieToken, true);
        }
    }

    /** Whether a frame may be handled: not after close, and not beyond the socket's message rate. */
    private static boolean admitFrame(ClientConnection connection) {
        if (connection.isClosed()) {
            return false;
        }
        if (!connection.takeInbound()) {
            connection.send(new ServerMessage.Error(ErrorMessages.RATE_LIMITED));
            connection.close(CloseCode.RATE_LIMITED);
            return false;
        }
        return true;
    }

    void text(ClientConnection connection, String message) {
        if (!admitFrame(connection)) {
            return;
        }
        try {
            switch (codec.decode(message)) {
                case ClientMessage.Auth auth -> authenticate(connection, auth.token(), false);
                case ClientMessage.Subscribe sub -> subscribe(connection, sub);
                case ClientMessage.Unsubscribe unsub -> {
                    if (unsub.events().isEmpty()) {
                        connection.unsubscribe(unsub.serverId());
                    } else if (unsub.events().contains(EventKind.CONSOLE)) {
                        connection.unsubscribeConsole(unsub.serverId());
                    }
                    connection.send(new ServerMessage.Unsubscribed(unsub.serverId(), unsub.events()));
                }
                case ClientMessage.Ping ping -> connection.send(new ServerMessage.Pong());
            }
        } catch (ProtocolException e) {
            connection.send(new ServerMessage.Error(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("Unexpected failure handling a frame from {}", connection, e);
            connection.send(new ServerMessage.Error(ErrorMessages.INTERNAL_ERROR));
        }
    }

    void binary(ClientConnection connection) {
        if (admitFrame(connection)) {
            connection.send(new ServerMessage.Error(ErrorMessages.BINARY_NOT_SUPPORTED));
        }
    }

    void closed(ClientConnection connection) {
        connection.closed();
        if (connections.remove(connection)) {
            perAddress.release(connection.address());
            AuthenticatedUser user = connection.user();
            if (user != null) {
                perUser.release(user.id());
                authenticated.decrementAndGet();
            }
        }
    }

    private void authenticate(ClientConnection connection, String token, boolean fromCookie) {
        long now = System.nanoTime();
        if (!fromCookie && authFailures.isBlocked(connection.address(), now)) {
            metrics.authFailed(AuthFailure.ADDRESS_BLOCKED);
            connection.send(new ServerMessage.AuthError(ErrorMessages.TOO_MANY_AUTH_FAILURES));
            connection.close(CloseCode.TOO_MANY_AUTH_FAILURES);
            return;
        }
        Optional<AuthenticatedUser> user;
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH
                || ProtocolCodec.hasControlCharacter(token)) {
            user = Optional.empty();
        } else {
            try {
                user = sessions.findUser(token);
            } catch (StoreUnavailableException e) {
                metrics.authFailed(AuthFailure.UNAVAILABLE);
                connection.send(new ServerMessage.AuthError(ErrorMessages.AUTH_UNAVAILABLE));
                return;
            }
        }
        if (user.isEmpty()) {
            if (fromCookie) {
                // A signed cookie was minted by the panel: an expired one is staleness, not guessing.
                metrics.authFailed(AuthFailure.INVALID_COOKIE_SESSION);
                return;
            }
            metrics.authFailed(AuthFailure.INVALID_SESSION);
            authFailures.recordFailure(connection.address(), now);
            connection.send(new ServerMessage.AuthError(ErrorMessages.INVALID_SESSION));
            if (connection.recordAuthFailure() >= limits.maxAuthFailuresPerConnection()) {
                connection.close(CloseCode.TOO_MANY_AUTH_FAILURES);
            }
            return;
        }
        AuthenticatedUser current = connection.user();
        if (current != null) {
            if (!current.id().equals(user.get().id())) {
                // Switching users on a live socket would leave the old user's subscriptions in place.
                connection.send(new ServerMessage.Error(ErrorMessages.ALREADY_AUTHENTICATED));
                return;
            }
            connection.authenticated(user.get(), token);
        } else if (perUser.tryAcquire(user.get().id())) {
            if (!connection.authenticated(user.get(), token)) {
                perUser.release(user.get().id()); // closed while its session was looked up
                return;
            }
            authenticated.incrementAndGet();
        } else {
            metrics.authFailed(AuthFailure.USER_CONNECTION_LIMIT);
            connection.send(new ServerMessage.AuthError(ErrorMessages.TOO_MANY_CONNECTIONS_FOR_USER));
            connection.close(CloseCode.TOO_MANY_CONNECTIONS);
            return;
        }
        connection.send(new ServerMessage.AuthSuccess(user.get().id()));
    }

    private void subscribe(ClientConnection connection, ClientMessage.Subscribe request) {
        String serverId = request.serverId();
        AuthenticatedUser user = connection.user();
        if (user == null) {
            connection.send(new ServerMessage.Error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            return;
        }
        // Checked before the access query too, so a socket at its limit costs the database nothing.
        if (!connection.hasRoomFor(serverId, limits.maxSubscriptionsPerConnection())) {
            connection.send(tooManySubscriptions(serverId));
            return;
        }
        Optional<Grant> grant;
        try {
            grant = access.grant(user, serverId);
        } catch (StoreUnavailableException e) {
            connection.send(new ServerMessage.Error(ErrorMessages.ACCESS_CHECK_UNAVAILABLE));
            return;
        }
        if (grant.isEmpty()) {
            connection.send(new ServerMessage.Error(ErrorMessages.FORBIDDEN));
            return;
        }
        boolean wantsConsole = request.events().contains(EventKind.CONSOLE);
        boolean console = wantsConsole && grant.get().console();
        ByteBuffer current = latest.of(serverId);
        switch (connection.subscribe(serverId, grant.get(), console, limits.maxSubscriptionsPerConnection(),
                current)) {
            case LIMIT_REACHED -> connection.send(tooManySubscriptions(serverId));
            case SUBSCRIBED -> {
                if (current == null) {
                    latest.requestSync(serverId); // no state anywhere yet: ask the poller now, not next tick
                }
                if (wantsConsole && !console) {
                    // The rest of the subscription stands; only the console is refused.
                    connection.send(new ServerMessage.Error(ErrorMessages.CONSOLE_FORBIDDEN, serverId));
                }
            }
            case CLOSED -> { }
        }
    }

    private ServerMessage tooManySubscriptions(String serverId) {
        return new ServerMessage.Error(ErrorMessages.TOO_MANY_SUBSCRIPTIONS_PREFIX
                + limits.maxSubscriptionsPerConnection() + ")", serverId);
    }

    /**
     * Pings every socket. Browsers and other clients answer with a pong; a socket that has sent
     * nothing at all, pongs included, for {@code deadAfter} is a vanished peer and is dropped.
     */
    public void pingAll(Duration deadAfter) {
        long now = System.nanoTime();
        for (ClientConnection c : connections) {
            if (now - c.lastHeardNanos() > deadAfter.toNanos()) {
                log.debug("{} stopped answering pings; dropping it", c);
                c.disconnect();
            } else {
                c.ping();
            }
        }
    }

    /**
     * Closes sockets that have not authenticated within the deadline, drops those whose close handshake
     * did not finish in time, and forgets old failures.
     */
    public void enforceDeadlines() {
        long now = System.nanoTime();
        long deadline = limits.authTimeout().toNanos();
        for (ClientConnection c : connections) {
            if (c.user() == null && !c.isClosed() && now - c.connectedAtNanos() >= deadline) {
                c.close(CloseCode.AUTH_TIMEOUT);
            }
            c.expireClose(now);
        }
        authFailures.prune(now);
    }

    public void closeAll(CloseCode code) {
        for (ClientConnection c : connections) {
            c.close(code);
        }
    }

    /** Closes one socket with {@code code}. */
    public void close(ClientConnection connection, CloseCode code) {
        connection.close(code);
    }

    /** Refuses new sockets from now on (rolling restart); open ones are closed by the caller. */
    public void startDraining() {
        draining = true;
    }
}
