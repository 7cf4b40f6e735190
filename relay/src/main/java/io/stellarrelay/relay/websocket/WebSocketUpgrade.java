package io.stellarrelay.relay.websocket;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Serves one path as a WebSocket endpoint, ahead of every other handler on the same port: it answers
 * the RFC 6455 handshake itself and hands the TCP connection to a {@link SocketConnection}. Jetty's HTTP
 * connection, request and response are released as soon as the 101 is written, so an open socket keeps
 * nothing of the HTTP exchange. Every other request passes through to the wrapped handler (Javalin).
 *
 * <p>No extension is negotiated: per-message compression would deflate every frame once per socket, the
 * very work the shared frames avoid. No subprotocol is selected either.
 */
public final class WebSocketUpgrade extends Handler.Wrapper {
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final MessageDigest SHA1 = newSha1();

    private final String path;
    private final Admission admission;
    private final SocketSettings settings;

    public WebSocketUpgrade(String path, Admission admission, SocketSettings settings) {
        this.path = path;
        this.admission = admission;
        this.settings = settings;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!path.equals(Request.getPathInContext(request))) {
            return super.handle(request, response, callback);
        }
        if (!HttpMethod.GET.is(request.getMethod()) || !isUpgrade(request)) {
            return super.handle(request, response, callback);
        }
        if (!HttpVersion.HTTP_1_1.is(request.getConnectionMetaData().getProtocol())) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "WebSocket needs HTTP/1.1");
            return true;
        }
        if (!"13".equals(request.getHeaders().get(HttpHeader.SEC_WEBSOCKET_VERSION))) {
            response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_VERSION, "13");
            Response.writeError(request, response, callback, HttpStatus.UPGRADE_REQUIRED_426, "Unsupported WebSocket version");
            return true;
        }
        String key = request.getHeaders().get(HttpHeader.SEC_WEBSOCKET_KEY);
        if (!isValidKey(key)) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "Missing or invalid Sec-WebSocket-Key");
            return true;
        }
        switch (admission.admit(new UpgradeRequest(request))) {
            case Admission.Refuse refuse -> Response.writeError(request, response, callback, refuse.status(), refuse.reason());
            case Admission.Accept accept -> {
                SocketConnection socket = new SocketConnection(request.getConnectionMetaData().getConnection().getEndPoint(),
                        settings, accept.handler());
                response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
                response.getHeaders().put(HttpHeader.UPGRADE, "websocket");
                response.getHeaders().put(HttpHeader.CONNECTION, "Upgrade");
                response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_ACCEPT, acceptValue(key));
                request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, socket);
                response.write(true, null, callback);
            }
        }
        return true;
    }

    private static boolean isUpgrade(Request request) {
        String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
        return upgrade != null && "websocket".equalsIgnoreCase(upgrade.trim())
                && hasToken(request.getHeaders().getValuesList(HttpHeader.CONNECTION), "upgrade");
    }

    private static boolean hasToken(List<String> values, String token) {
        for (String value : values) {
            for (String part : value.split(",")) {
                if (part.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A key is 16 random bytes in base64 (RFC 6455, 4.1). */
    static boolean isValidKey(String key) {
        if (key == null || key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String acceptValue(String key) {
        MessageDigest sha1 = sha1();
        byte[] digest = sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(digest);
    }

    /**
     * A fresh SHA-1 digest, cloned from one looked up once: {@code MessageDigest.getInstance} searches the
     * security providers on every call, which the profile of a connection storm showed at two thirds of
     * the cost of answering a handshake's key.
     */
    private static MessageDigest sha1() {
        try {
            return (MessageDigest) SHA1.clone();
        } catch (CloneNotSupportedException e) {
            return newSha1();
        }
    }

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    private record UpgradeRequest(Request request) implements Admission.Request {
        @Override
        public String remoteAddress() {
            return Request.getRemoteAddr(request);
        }

        @Override
        public String header(String name) {
            List<String> values = request.getHeaders().getValuesList(name);
            // Several Cookie headers are one list of cookies; other headers join as a comma list.
            return values.isEmpty() ? null : String.join("cookie".equalsIgnoreCase(name) ? "; " : ", ", values);
        }
    }
}
