package io.stellarrelay.protocol;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Utf8")
class Utf8Test {

    /** The JDK's strict decoder: the reference the check must agree with. */
    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    @DisplayName("accepts every kind of well-formed text")
    void acceptsWellFormed() {
        for (String s : new String[] {"", "plain ascii {\"type\":\"server:sync\"}", "café", "€ ₿", "😀 emoji",
                "\u0000 nul", "\uD7FF \uE000 \uFFFF", new String(Character.toChars(0x10FFFF))}) {
            assertTrue(Utf8.isWellFormed(s.getBytes(StandardCharsets.UTF_8)), s);
        }
    }

    @Test
    @DisplayName("refuses overlong forms, surrogates, code points above U+10FFFF and broken sequences")
    void refusesMalformed() {
        int[][] cases = {
                {0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xC2}, {0xC2, 0x41},
                {0xE0, 0x80, 0x80}, {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, {0xE2, 0x82},
                {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80},
                {0xFF}, {0xF0, 0x9F, 0x98}, {0x41, 0xE2, 0x28, 0xA1},
        };
        for (int[] c : cases) {
            byte[] b = bytes(c);
            assertFalse(Utf8.isWellFormed(b), java.util.Arrays.toString(c));
            assertFalse(jdkAccepts(b), "the reference agrees: " + java.util.Arrays.toString(c));
        }
    }

    @Test
    @DisplayName("agrees with the JDK's strict decoder on a million random and mutated inputs")
    void agreesWithTheJdk() {
        Random random = new Random(20261128);
        byte[] valid = "{\"type\":\"server:sync\",\"data\":{\"name\":\"Ünïcödé 😀 €\"}}".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 1_000_000; round++) {
            byte[] b;
            if (round % 2 == 0) {
                b = new byte[random.nextInt(8)];
                random.nextBytes(b);
            } else {
                b = valid.clone();
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            assertEquals(jdkAccepts(b), Utf8.isWellFormed(b), () -> java.util.Arrays.toString(b));
        }
    }

    @Test
    @DisplayName("cut keeps up to the given UTF-16 units and never ends on the first half of a pair")
    void cutNeverSplitsAPair() {
        assertEquals("abc", Utf8.cut("abc", 5));
        assertEquals("ab", Utf8.cut("abc", 2));
        assertEquals("a", Utf8.cut("a\uD83D\uDE00b", 2)); // the emoji's two halves stay together
        assertEquals("a\uD83D\uDE00", Utf8.cut("a\uD83D\uDE00b", 3));
    }


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
