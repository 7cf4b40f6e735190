package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * One client socket: who it is, what it watches, and how frames reach it.
 *
 * <p>Frames go to Jetty's core session as pre-encoded text payloads, so a sync that reaches thousands of
 * sockets is encoded once by the poller and never touched again (no String, no UTF-8 encoding per
 * socket). Sends never block; completion is reported to one reusable callback.
 *
 * <p>Subscriptions change under this object's lock, together with the hub, so a socket that closes
 * while a subscribe is being checked can never be left in the hub.
 */
public final class ClientConnection implements Watcher {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final Session session;
    private final CoreSession core;
    private final ProtocolCodec codec;
    private final Hub hub;
    private final Callback sendCallback = new SendCallback();
    private final Set<String> subscriptions = new HashSet<>(); // guarded by this
    private boolean closed; // guarded by this
    private volatile AuthenticatedUser user;

    ClientConnection(Session session, ProtocolCodec codec, Hub hub) {
        this.session = session;
        this.core = ((WebSocketSession) session).getCoreSession();
        this.codec = codec;
        this.hub = hub;
    }

    public AuthenticatedUser user() {
        return user;
    }

    void authenticated(AuthenticatedUser user) {
        this.user = user;
    }

    /** Starts delivering the server's frames to this socket; false if the socket has closed meanwhile. */
    synchronized boolean subscribe(String serverId) {
        if (closed) {
            return false;
        }
        if (subscriptions.add(serverId)) {
            hub.watch(serverId, this);
        }
        return true;
    }

    synchronized void unsubscribe(String serverId) {
        if (subscriptions.remove(serverId)) {
            hub.unwatch(serverId, this);
        }
    }

    synchronized int subscriptionCount() {
        return subscriptions.size();
    }

    /** Releases everything this socket watched; later subscribes are refused. */
    synchronized void closed() {
        closed = true;
        for (String serverId : subscriptions) {
            hub.unwatch(serverId, this);
        }
        subscriptions.clear();
    }

    void send(ServerMessage message) {
        sendText(ByteBuffer.wrap(codec.encodeToBytes(message)));
    }

    @Override
    public void deliver(ByteBuffer frame) {
        sendText(frame.duplicate());
    }

    private void sendText(ByteBuffer utf8) {
        if (!session.isOpen()) {
            return;
        }
        core.sendFrame(new Frame(OpCode.TEXT, utf8), sendCallback, false);
    }

    void ping() {
        if (session.isOpen()) {
            core.sendFrame(new Frame(OpCode.PING), sendCallback, false);
        }
    }

    void close(int code, String reason) {
        session.close(code, reason, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    private final class SendCallback implements Callback {
        @Override
        public void failed(Throwable cause) {
            // The socket is going away (peer gone, closed meanwhile); Jetty closes it and onClose cleans up.
            log.debug("Send to {} failed: {}", session.getRemoteSocketAddress(), cause.toString());
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
