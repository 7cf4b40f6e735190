package io.stellarrelay.relay.websocket;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("WebSocketUpgrade")
class WebSocketUpgradeTest {

    @Test
    @DisplayName("answers the key of RFC 6455's own example with the accept value the RFC gives")
    void acceptValue() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketUpgrade.acceptValue("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    @DisplayName("takes only keys that are 16 bytes in base64")
    void keys() {
        assertTrue(WebSocketUpgrade.isValidKey("dGhlIHNhbXBsZSBub25jZQ=="));
        assertFalse(WebSocketUpgrade.isValidKey(null));
        assertFalse(WebSocketUpgrade.isValidKey("short"));
        assertFalse(WebSocketUpgrade.isValidKey("dGhlIHNhbXBsZSBub25j!!=="));
        assertFalse(WebSocketUpgrade.isValidKey("dGhlIHNhbXBsZSBub25jZQ=!"));
    }
}
