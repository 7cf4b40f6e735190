package io.stellarrelay.relay.ws;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.auth.SessionCookie;
import io.stellarrelay.relay.guard.ClientAddresses;
import io.stellarrelay.relay.guard.OriginPolicy;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.websocket.Admission;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides at the HTTP upgrade whether a request becomes a client: refuses a draining relay (503) and
 * addresses at their connection limit (429); reads the session cookie only for pages of allowed origins
 * (cross-site WebSocket hijacking) and checks only its signature here, the session itself at open.
 */
public final class ClientAdmission implements Admission {
    private static final Logger log = LoggerFactory.getLogger(ClientAdmission.class);

    private final Clients clients;
    private final ClientConnection.Shared shared;
    private final SessionCookie cookies;
    private final OriginPolicy origins;
    private final ClientAddresses addresses;
    private final RelayConfig.Limits limits;
    private volatile boolean warnedAboutProxies;

    public ClientAdmission(Clients clients, ClientConnection.Shared shared, SessionCookie cookies, OriginPolicy origins,
                           ClientAddresses addresses, RelayConfig.Limits limits) {
        this.clients = clients;
        this.shared = shared;
        this.cookies = cookies;
        this.origins = origins;
        this.addresses = addresses;
        this.limits = limits;
    }

    @Override
    public Decision admit(Request request) {
        if (clients.isDraining()) {
            return new Refuse(HttpStatus.SERVICE_UNAVAILABLE_503, CloseCode.SERVICE_RESTART.reason());
        }
        String forwardedFor = request.header("X-Forwarded-For");
        if (forwardedFor != null && !addresses.trustsAnyProxy() && !warnedAboutProxies) {
            warnedAboutProxies = true;
            log.warn("Requests carry X-Forwarded-For but TRUSTED_PROXIES is empty: every client behind the proxy "
                    + "counts as the proxy's address for the per-address limits. Set TRUSTED_PROXIES.");
        }
        String address = ClientAddresses.limitKey(addresses.resolve(request.remoteAddress(), forwardedFor));
        if (clients.isFull(address)) {
            return new Refuse(HttpStatus.TOO_MANY_REQUESTS_429, CloseCode.TOO_MANY_CONNECTIONS.reason());
        }
        String cookieToken = origins.allows(request.header("Origin"), request.header("Host"))
                ? cookies.verifiedToken(request.header("Cookie")).orElse(null)
                : null;
        return new Accept(new ClientConnection(shared, address, cookieToken,
                new TokenBucket(limits.messagesPerSecond(), limits.messageBurst(), System.nanoTime())));
    }
}
