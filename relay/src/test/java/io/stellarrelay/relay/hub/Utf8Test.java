package io.stellarrelay.relay.hub;

import io.stellarrelay.protocol.Utf8;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

@DisplayName("Utf8")
class Utf8Test {

    @Test
    @DisplayName("returns a line that fits unchanged and measures it as its UTF-8 encoding does")
    void keepsWhatFits() {
        String line = "é ✓ 😀 plain";
        assertSame(line, Utf8.sanitize(line, 100));
        assertEquals(line.getBytes(StandardCharsets.UTF_8).length, Utf8.length(line));
    }

    @Test
    @DisplayName("cuts at a character boundary, never inside a multi-byte character or surrogate pair")
    void cutsAtCharacterBoundary() {
        assertEquals("ab", Utf8.sanitize("abé", 3)); // é needs 2 bytes, only 1 left
        assertEquals("abé", Utf8.sanitize("abé", 4));
        assertEquals("a", Utf8.sanitize("a😀", 4)); // the emoji needs 4 bytes, 3 left
        assertEquals("a😀", Utf8.sanitize("a😀b", 5));
        assertEquals("", Utf8.sanitize("✓", 2));
    }

    @Test
    @DisplayName("replaces lone surrogates, which cannot be written as UTF-8")
    void replacesLoneSurrogates() {
        assertEquals("a\uFFFDb\uFFFD", Utf8.sanitize("a\uD800b\uDC00", 100));
        assertEquals("a\uFFFD", Utf8.sanitize("a\uD800b", 4));
        assertEquals(8, Utf8.length("a\uFFFDb\uFFFD"));
    }
}
