package io.stellarrelay.relay.auth;

import io.stellarrelay.config.Secret;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("SessionCookie")
class SessionCookieTest {

    private static final String SECRET = "relay-unit-test-secret-0123456789abcdef";
    private static final String TOKEN = "session-token-3";
    /** node -e 'console.log(require("crypto").createHmac("sha256", SECRET).update(TOKEN).digest("base64"))' */
    private static final String NODE_SIGNATURE = "WxXoHa+Y2QKgW37NBtpnOhqzWPFSLMSerMAjHu/tgh8=";

    private final SessionCookie cookie = new SessionCookie(new Secret(SECRET));

    private static String header(String value) {
        return "a=b; " + SessionCookie.NAME + "=" + value + "; c=d";
    }

    private static String hmacBase64(String secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    @DisplayName("verifies a cookie it minted back to its token")
    void mintedCookieVerifies() {
        assertEquals(Optional.of("tok_abc123"), cookie.verifiedToken(header(cookie.cookieValue("tok_abc123"))));
    }

    @Test
    @DisplayName("signs with standard Base64 of HMAC-SHA256, as Better Auth on Node does")
    void signatureMatchesNode() throws Exception {
        String signature = cookie.sign(TOKEN);

        assertEquals(NODE_SIGNATURE, signature);
        assertEquals(hmacBase64(SECRET, TOKEN), signature);
        assertEquals(hmacBase64(SECRET, "another"), cookie.sign("another"));
        assertEquals(44, signature.length());
        assertTrue(signature.endsWith("="), signature);
    }

    @Test
    @DisplayName("URL-encodes the plus, slash and equals signs of the signature in the minted value")
    void cookieValueIsUrlEncoded() {
        assertEquals("session-token-3.WxXoHa%2BY2QKgW37NBtpnOhqzWPFSLMSerMAjHu%2Ftgh8%3D", cookie.cookieValue(TOKEN));
    }

    @Test
    @DisplayName("accepts the signed value both URL-encoded and raw")
    void acceptsEncodedAndRawForms() {
        assertEquals(Optional.of(TOKEN),
                cookie.verifiedToken(header("session-token-3.WxXoHa%2BY2QKgW37NBtpnOhqzWPFSLMSerMAjHu%2Ftgh8%3D")));
        assertEquals(Optional.of(TOKEN), cookie.verifiedToken(header(TOKEN + "." + NODE_SIGNATURE)));
        assertEquals(Optional.of(TOKEN), cookie.verifiedToken(header("%22" + TOKEN + "." + NODE_SIGNATURE + "%22")));
    }

    @Test
    @DisplayName("accepts the cookie alone in the header, with or without spaces")
    void acceptsCookieAlone() {
        assertEquals(Optional.of(TOKEN), cookie.verifiedToken(SessionCookie.NAME + "=" + cookie.cookieValue(TOKEN)));
        assertEquals(Optional.of(TOKEN), cookie.verifiedToken("a=b;" + SessionCookie.NAME + "=" + cookie.cookieValue(TOKEN)));
    }

    @Test
    @DisplayName("accepts the __Secure- cookie that Better Auth sets over HTTPS")
    void acceptsSecureCookie() {
        assertEquals(Optional.of(TOKEN),
                cookie.verifiedToken("a=b; " + SessionCookie.SECURE_NAME + "=" + cookie.cookieValue(TOKEN)));
    }

    @Test
    @DisplayName("prefers the __Secure- cookie when both are present, in either order")
    void prefersSecureCookie() {
        String plain = SessionCookie.NAME + "=" + cookie.cookieValue("plain-token");
        String secure = SessionCookie.SECURE_NAME + "=" + cookie.cookieValue("secure-token");

        assertEquals(Optional.of("secure-token"), cookie.verifiedToken(plain + "; " + secure));
        assertEquals(Optional.of("secure-token"), cookie.verifiedToken(secure + "; " + plain));
    }

    @Test
    @DisplayName("rejects a cookie signed with another secret")
    void rejectsWrongSecret() {
        SessionCookie other = new SessionCookie(new Secret("some-other-secret"));

        assertEquals(Optional.empty(), cookie.verifiedToken(header(other.cookieValue(TOKEN))));
    }

    @Test
    @DisplayName("rejects a token changed after signing")
    void rejectsTamperedToken() {
        assertEquals(Optional.empty(), cookie.verifiedToken(header("session-token-4." + NODE_SIGNATURE)));
        assertEquals(Optional.empty(), cookie.verifiedToken(header("x" + TOKEN + "." + NODE_SIGNATURE)));
    }

    @Test
    @DisplayName("rejects a signature changed in one character")
    void rejectsTamperedSignature() {
        String tampered = "X" + NODE_SIGNATURE.substring(1);

        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN + "." + tampered)));
    }

    @Test
    @DisplayName("rejects a value without a dot, or with nothing before it")
    void rejectsMissingDot() {
        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN + NODE_SIGNATURE)));
        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN)));
        assertEquals(Optional.empty(), cookie.verifiedToken(header("." + cookie.sign(""))));
        assertEquals(Optional.empty(), cookie.verifiedToken(header("")));
    }

    @Test
    @DisplayName("rejects a signature that is not 44 characters long")
    void rejectsWrongSignatureLength() {
        String unpadded = NODE_SIGNATURE.substring(0, 43);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(Base64.getDecoder().decode(NODE_SIGNATURE));

        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN + "." + unpadded)));
        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN + "." + urlSafe)));
        assertEquals(Optional.empty(), cookie.verifiedToken(header(TOKEN + "." + NODE_SIGNATURE + "=")));
    }

    @Test
    @DisplayName("rejects a correctly signed value one character longer than the 4096-character limit")
    void rejectsOversizedValue() {
        String token = "t".repeat(4096 - 44);
        String value = token + "." + cookie.sign(token);
        assertEquals(4097, value.length());

        assertEquals(Optional.empty(), cookie.verifiedToken(header(value)));
    }

    @Test
    @DisplayName("accepts a correctly signed value of exactly 4096 characters")
    void acceptsValueUnderSizeLimit() {
        String token = "t".repeat(4096 - 1 - 44);
        String value = token + "." + cookie.sign(token);
        assertEquals(4096, value.length());

        assertEquals(Optional.of(token), cookie.verifiedToken(header(value)));
    }

    @Test
    @DisplayName("finds nothing in a null header, a header of unrelated cookies, or a cookie whose name only looks alike")
    void findsNothingWithoutTheCookie() {
        String value = cookie.cookieValue(TOKEN);

        assertEquals(Optional.empty(), cookie.verifiedToken(null));
        assertEquals(Optional.empty(), cookie.verifiedToken(""));
        assertEquals(Optional.empty(), cookie.verifiedToken("a=b; theme=dark; session=" + value));
        assertEquals(Optional.empty(), cookie.verifiedToken("x-better-auth.session_token=" + value));
        assertEquals(Optional.empty(), cookie.verifiedToken("better-auth.session_token_old=" + value));
        assertEquals(Optional.empty(), cookie.verifiedToken("better-auth.session_data=" + value));
    }

    @Test
    @DisplayName("splits at the last dot, so a token containing dots verifies")
    void tokenWithDotsVerifies() throws Exception {
        String token = "part.one.two";

        assertEquals(Optional.of(token), cookie.verifiedToken(header(cookie.cookieValue(token))));
        assertEquals(hmacBase64(SECRET, token), cookie.sign(token));
    }

    @Test
    @DisplayName("verifies a minted cookie back to its token even when the token contains a space")
    void mintedCookieForTokenWithSpaceVerifies() {
        assertEquals(Optional.of("two words"), cookie.verifiedToken(header(cookie.cookieValue("two words"))));
    }

    @Test
    @DisplayName("never shows the key in toString")
    void toStringHidesKey() {
        String shown = cookie.toString();

        assertFalse(shown.contains(SECRET), shown);
        assertEquals("SessionCookie[key=****]", shown);
    }
}
