package io.stellarrelay.relay.guard;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser origins may use the session cookie: on the WebSocket upgrade (cross-site WebSocket
 * hijacking) and with CORS on {@code /api/ws/token}. With no list configured only same-origin pages
 * qualify (the {@code Origin} names the host the request was sent to). Requests without an
 * {@code Origin} header do not come from a browser page and are not subject to it.
 */
public final class OriginPolicy {
    private final Set<String> allowed;

    public OriginPolicy(List<String> allowedOrigins) {
        this.allowed = allowedOrigins.stream().map(OriginPolicy::canonical).collect(Collectors.toUnmodifiableSet());
    }

    /** Checks and canonicalises one configured origin ({@code https://panel.example.com[:port]}). */
    public static String canonical(String origin) {
        String o = origin.strip();
        URI uri;
        try {
            uri = URI.create(o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + origin + "\" is not an origin like https://panel.example.com");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("\"" + origin + "\" is not an origin like https://panel.example.com");
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    /** True when a request carrying {@code origin} (null: no header) to {@code host} may use the cookie. */
    public boolean allows(String origin, String host) {
        if (origin == null) {
            return true;
        }
        String canonical;
        try {
            canonical = canonical(origin);
        } catch (IllegalArgumentException e) {
            return false; // "null" (sandboxed frames, file://) and anything malformed
        }
        if (!allowed.isEmpty()) {
            return allowed.contains(canonical);
        }
        return host != null && canonical.substring(canonical.indexOf("://") + 3).equals(stripDefaultPort(host, canonical));
    }

    /** The {@code Host} header as the origin would spell it: lower case, default port dropped. */
    private static String stripDefaultPort(String host, String canonicalOrigin) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (canonicalOrigin.startsWith("https://") && h.endsWith(":443")) {
            return h.substring(0, h.length() - 4);
        }
        if (canonicalOrigin.startsWith("http://") && h.endsWith(":80")) {
            return h.substring(0, h.length() - 3);
        }
        return h;
    }
}
