package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.ClientMessage;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ProtocolException;
import io.stellarrelay.protocol.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client's messages go through, in order: the message-rate budget, the JSON decoding, then the
 * step for the message's type ({@link Authentication}, {@link Subscribing}, ping). Runs on the client's
 * handler thread, one message at a time.
 */
public final class ClientMessages {
    private static final Logger log = LoggerFactory.getLogger(ClientMessages.class);

    private final ProtocolCodec codec;
    private final Clients clients;
    private final Authentication authentication;
    private final Subscribing subscribing;

    public ClientMessages(ProtocolCodec codec, Clients clients, Authentication authentication, Subscribing subscribing) {
        this.codec = codec;
        this.clients = clients;
        this.authentication = authentication;
        this.subscribing = subscribing;
    }

    /** A new client: counted in, then authenticated at once when its upgrade carried a signed session cookie. */
    void opened(ClientConnection client, String cookieToken) {
        if (clients.join(client) && cookieToken != null) {
            authentication.authenticate(client, cookieToken, true);
        }
    }

    void closed(ClientConnection client) {
        client.closed();
        clients.leave(client);
    }

    void text(ClientConnection client, String message) {
        if (!withinRate(client)) {
            return;
        }
        try {
            switch (codec.decode(message)) {
                case ClientMessage.Auth auth -> authentication.authenticate(client, auth.token(), false);
                case ClientMessage.Subscribe sub -> subscribing.subscribe(client, sub);
                case ClientMessage.Unsubscribe unsub -> subscribing.unsubscribe(client, unsub);
                case ClientMessage.Ping ping -> client.send(new ServerMessage.Pong());
            }
        } catch (ProtocolException e) {
            client.send(new ServerMessage.Error(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("Unexpected failure handling a message from {}", client, e);
            client.send(new ServerMessage.Error(ErrorMessages.INTERNAL_ERROR));
        }
    }

    void binary(ClientConnection client) {
        if (withinRate(client)) {
            client.send(new ServerMessage.Error(ErrorMessages.BINARY_NOT_SUPPORTED));
        }
    }

    /** Whether a message may be handled: not after close, and not beyond the client's message rate. */
    private static boolean withinRate(ClientConnection client) {
        if (client.isClosed()) {
            return false;
        }
        if (!client.takeInbound()) {
            client.send(new ServerMessage.Error(ErrorMessages.RATE_LIMITED));
            client.close(CloseCode.RATE_LIMITED);
            return false;
        }
        return true;
    }
}
