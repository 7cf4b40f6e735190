package io.stellarrelay.relay.ws;

import io.javalin.http.Context;
import io.javalin.websocket.WsBinaryMessageContext;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsErrorContext;
import io.javalin.websocket.WsMessageContext;
import io.stellarrelay.protocol.ClientMessage;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ProtocolException;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AccessPolicy;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.auth.SessionStore;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import io.stellarrelay.relay.hub.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code /api/ws} endpoint: cookie authentication at connect, then the documented messages.
 *
 * <p>Handlers run on virtual threads and Jetty reads a socket's next frame only after its handler
 * returns, so each socket's frames are handled strictly in order even though the database calls block.
 */
public final class RelayWebSocket {
    private static final Logger log = LoggerFactory.getLogger(RelayWebSocket.class);
    private static final String COOKIE_TOKEN = "stellar.cookieToken";
    private static final String CONNECTION = "stellar.connection";
    private static final int MAX_TOKEN_LENGTH = 1024;

    private final SessionCookie cookies;
    private final SessionStore sessions;
    private final AccessPolicy access;
    private final Hub hub;
    private final ProtocolCodec codec;
    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();

    public RelayWebSocket(SessionCookie cookies, SessionStore sessions, AccessPolicy access, Hub hub,
                          ProtocolCodec codec) {
        this.cookies = cookies;
        this.sessions = sessions;
        this.access = access;
        this.hub = hub;
        this.codec = codec;
    }

    /** Runs on the HTTP upgrade request: only the signature is checked here, the session at connect. */
    public void beforeUpgrade(Context ctx) {
        cookies.verifiedToken(ctx.header("Cookie")).ifPresent(token -> ctx.attribute(COOKIE_TOKEN, token));
    }

    public void configure(WsConfig ws) {
        ws.onConnect(this::onConnect);
        ws.onMessage(this::onMessage);
        ws.onBinaryMessage(this::onBinary);
        ws.onClose(this::onClose);
        ws.onError(this::onError);
    }

    /** Every open socket, for pings and shutdown. */
    public Set<ClientConnection> connections() {
        return connections;
    }

    private void onConnect(WsConnectContext ctx) {
        ClientConnection connection = new ClientConnection(ctx.session, codec, hub);
        ctx.attribute(CONNECTION, connection);
        connections.add(connection);
        String token = ctx.attribute(COOKIE_TOKEN);
        if (token != null) {
            ctx.attribute(COOKIE_TOKEN, null);
            // A cookie that names no valid session gets no answer: the client then falls back to a token.
            authenticate(connection, token, true);
        }
    }

    private void onMessage(WsMessageContext ctx) {
        ClientConnection connection = connection(ctx);
        if (connection == null) {
            return;
        }
        try {
            switch (codec.decode(ctx.message())) {
                case ClientMessage.Auth auth -> authenticate(connection, auth.token(), false);
                case ClientMessage.Subscribe sub -> subscribe(connection, sub.serverId());
                case ClientMessage.Unsubscribe unsub -> {
                    connection.unsubscribe(unsub.serverId());
                    connection.send(new ServerMessage.Unsubscribed(unsub.serverId()));
                }
                case ClientMessage.Ping ping -> connection.send(new ServerMessage.Pong());
            }
        } catch (ProtocolException e) {
            connection.send(new ServerMessage.Error(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("Unexpected failure handling a client frame", e);
            connection.send(new ServerMessage.Error(ErrorMessages.INTERNAL_ERROR));
        }
    }

    private void onBinary(WsBinaryMessageContext ctx) {
        ClientConnection connection = connection(ctx);
        if (connection != null) {
            connection.send(new ServerMessage.Error(ErrorMessages.BINARY_NOT_SUPPORTED));
        }
    }

    private void onClose(WsCloseContext ctx) {
        ClientConnection connection = connection(ctx);
        if (connection != null) {
            connection.closed();
            connections.remove(connection);
        }
    }

    private void onError(WsErrorContext ctx) {
        log.debug("Socket error: {}", String.valueOf(ctx.error()));
    }

    private static ClientConnection connection(WsContext ctx) {
        return ctx.attribute(CONNECTION);
    }

    private void authenticate(ClientConnection connection, String token, boolean fromCookie) {
        Optional<AuthenticatedUser> user;
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            user = Optional.empty();
        } else {
            try {
                user = sessions.findUser(token);
            } catch (StoreUnavailableException e) {
                connection.send(new ServerMessage.AuthError(ErrorMessages.AUTH_UNAVAILABLE));
                return;
            }
        }
        if (user.isEmpty()) {
            if (!fromCookie) {
                connection.send(new ServerMessage.AuthError(ErrorMessages.INVALID_SESSION));
            }
            return;
        }
        AuthenticatedUser current = connection.user();
        if (current != null && !current.id().equals(user.get().id())) {
            // Switching users on a live socket would leave the old user's subscriptions in place.
            connection.send(new ServerMessage.Error(ErrorMessages.ALREADY_AUTHENTICATED));
            return;
        }
        connection.authenticated(user.get());
        connection.send(new ServerMessage.AuthSuccess(user.get().id()));
    }

    private void subscribe(ClientConnection connection, String serverId) {
        AuthenticatedUser user = connection.user();
        if (user == null) {
            connection.send(new ServerMessage.Error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            return;
        }
        boolean allowed;
        try {
            allowed = access.mayWatch(user, serverId);
        } catch (StoreUnavailableException e) {
            connection.send(new ServerMessage.Error(ErrorMessages.ACCESS_CHECK_UNAVAILABLE));
            return;
        }
        if (!allowed) {
            connection.send(new ServerMessage.Error(ErrorMessages.FORBIDDEN));
            return;
        }
        if (connection.subscribe(serverId)) {
            connection.send(new ServerMessage.Subscribed(serverId));
        }
    }

    public void closeAll(int code, String reason) {
        for (ClientConnection c : connections) {
            c.close(code, reason);
        }
    }

    /** Sends a WebSocket ping to every socket; their pongs keep quiet but live clients from idling out. */
    public void pingAll() {
        for (ClientConnection c : connections) {
            c.ping();
        }
    }
}
