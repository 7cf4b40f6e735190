package io.stellarrelay.relay.auth;

import io.stellarrelay.config.PercentDecoder;
import io.stellarrelay.config.Secret;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Better Auth's signed session cookie: {@code better-auth.session_token} (or, over HTTPS,
 * {@code __Secure-better-auth.session_token}) holding the URL-encoded {@code <token>.<signature>}, where
 * the signature is standard Base64 of HMAC-SHA256 over the token, keyed with {@code BETTER_AUTH_SECRET}.
 */
public final class SessionCookie {
    public static final String NAME = "better-auth.session_token";
    public static final String SECURE_NAME = "__Secure-better-auth.session_token";
    private static final int SIGNATURE_LENGTH = 44; // Base64 of 32 bytes, with padding
    private static final int MAX_COOKIE_VALUE = 4096;

    private final SecretKeySpec key;

    public SessionCookie(Secret secret) {
        this.key = new SecretKeySpec(secret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** The verified raw session token from a {@code Cookie} request header, if there is one. */
    public Optional<String> verifiedToken(String cookieHeader) {
        if (cookieHeader == null) {
            return Optional.empty();
        }
        // The __Secure- cookie wins: only HTTPS can set it, so it is the harder one to plant.
        String value = cookieValue(cookieHeader, SECURE_NAME);
        if (value == null) {
            value = cookieValue(cookieHeader, NAME);
        }
        return value == null ? Optional.empty() : verify(value);
    }

    /** Verifies one (still URL-encoded) cookie value; the token on success. */
    Optional<String> verify(String encodedValue) {
        if (encodedValue.length() > MAX_COOKIE_VALUE) {
            return Optional.empty();
        }
        String value = PercentDecoder.decode(encodedValue);
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        int dot = value.lastIndexOf('.');
        if (dot <= 0 || value.length() - dot - 1 != SIGNATURE_LENGTH) {
            return Optional.empty();
        }
        String token = value.substring(0, dot);
        byte[] given = value.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = sign(token).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, expected) ? Optional.of(token) : Optional.empty();
    }

    /** The signature Better Auth puts after the dot; also used by tests and the demo to mint cookies. */
    public String sign(String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A complete cookie value for {@code token}, URL-encoded as a browser would hold it. */
    public String cookieValue(String token) {
        String signed = token + "." + sign(token);
        // Like JavaScript's encodeURIComponent: a space is %20 (form encoding's '+' would be read back as a plus).
        return java.net.URLEncoder.encode(signed, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String cookieValue(String header, String name) {
        for (String part : header.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).strip().equals(name)) {
                return part.substring(eq + 1).strip();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "SessionCookie[key=****]";
    }
}
