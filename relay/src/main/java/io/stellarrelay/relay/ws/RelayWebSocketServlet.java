package io.stellarrelay.relay.ws;

import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;

import java.time.Duration;

/** Mounts {@link RelayWebSocket} at {@code /api/ws} with the relay's frame limits and idle timeout. */
public final class RelayWebSocketServlet extends JettyWebSocketServlet {
    private final transient RelayWebSocket webSocket;
    private final Duration idleTimeout;
    private final int maxMessageBytes;

    public RelayWebSocketServlet(RelayWebSocket webSocket, Duration idleTimeout, int maxMessageBytes) {
        this.webSocket = webSocket;
        this.idleTimeout = idleTimeout;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        factory.setIdleTimeout(idleTimeout);
        factory.setMaxTextMessageSize(maxMessageBytes);
        factory.setMaxBinaryMessageSize(maxMessageBytes);
        factory.setCreator(webSocket::admit);
    }
}
