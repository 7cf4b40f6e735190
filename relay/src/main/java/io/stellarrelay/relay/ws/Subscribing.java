package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.ClientMessage;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.EventKind;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.relay.auth.AccessPolicy;
import io.stellarrelay.relay.auth.AuthenticatedUser;
import io.stellarrelay.relay.auth.Grant;
import io.stellarrelay.relay.auth.StoreUnavailableException;
import io.stellarrelay.relay.hub.LatestSyncs;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The {@code subscribe} message: the access check, the subscription limit, the console opt-in, and the
 * server's current state at once.
 */
public final class Subscribing {
    private final AccessPolicy access;
    private final LatestSyncs latest;
    private final int maxPerConnection;

    public Subscribing(AccessPolicy access, LatestSyncs latest, int maxPerConnection) {
        this.access = access;
        this.latest = latest;
        this.maxPerConnection = maxPerConnection;
    }

    void subscribe(ClientConnection client, ClientMessage.Subscribe request) {
        String serverId = request.serverId();
        AuthenticatedUser user = client.user();
        if (user == null) {
            client.send(new ServerMessage.Error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            return;
        }
        // Checked before the access query too, so a client at its limit costs the database nothing.
        if (!client.hasRoomFor(serverId, maxPerConnection)) {
            client.send(tooMany(serverId));
            return;
        }
        Optional<Grant> grant;
        try {
            grant = access.grant(user, serverId);
        } catch (StoreUnavailableException e) {
            client.send(new ServerMessage.Error(ErrorMessages.ACCESS_CHECK_UNAVAILABLE));
            return;
        }
        if (grant.isEmpty()) {
            client.send(new ServerMessage.Error(ErrorMessages.FORBIDDEN));
            return;
        }
        boolean wantsConsole = request.events().contains(EventKind.CONSOLE);
        boolean console = wantsConsole && grant.get().console();
        ByteBuffer current = latest.of(serverId);
        switch (client.subscribe(serverId, grant.get(), console, maxPerConnection, current)) {
            case LIMIT_REACHED -> client.send(tooMany(serverId));
            case SUBSCRIBED -> {
                if (current == null) {
                    latest.requestSync(serverId); // no state anywhere yet: ask the poller now, not next tick
                }
                if (wantsConsole && !console) {
                    // The rest of the subscription stands; only the console is refused.
                    client.send(new ServerMessage.Error(ErrorMessages.CONSOLE_FORBIDDEN, serverId));
                }
            }
            case CLOSED -> { }
        }
    }

    void unsubscribe(ClientConnection client, ClientMessage.Unsubscribe request) {
        if (request.events().isEmpty()) {
            client.unsubscribe(request.serverId());
        } else if (request.events().contains(EventKind.CONSOLE)) {
            client.unsubscribeConsole(request.serverId());
        }
        client.send(new ServerMessage.Unsubscribed(request.serverId(), request.events()));
    }

    private ServerMessage tooMany(String serverId) {
        return new ServerMessage.Error(ErrorMessages.TOO_MANY_SUBSCRIPTIONS_PREFIX + maxPerConnection + ")", serverId);
    }
}
