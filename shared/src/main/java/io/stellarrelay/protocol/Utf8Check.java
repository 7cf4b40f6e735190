package io.stellarrelay.protocol;

/**
 * Whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), without decoding them. Every frame from Redis is checked once before it goes out as a
 * text frame; decoding it into characters only to throw them away made this check one of the relay's
 * largest allocations per message.
 */
public final class Utf8Check {
    private Utf8Check() {}

    public static boolean isWellFormed(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i];
            if (b >= 0) { // ASCII, the common case
                i++;
                continue;
            }
            b &= 0xFF;
            if (b >= 0xC2 && b <= 0xDF) {
                if (i + 1 >= n || !continuation(bytes[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (b >= 0xE0 && b <= 0xEF) {
                if (i + 2 >= n) {
                    return false;
                }
                int b1 = bytes[i + 1] & 0xFF;
                // E0 needs A0..BF (else overlong); ED needs 80..9F (else a surrogate).
                int lo = b == 0xE0 ? 0xA0 : 0x80;
                int hi = b == 0xED ? 0x9F : 0xBF;
                if (b1 < lo || b1 > hi || !continuation(bytes[i + 2])) {
                    return false;
                }
                i += 3;
            } else if (b >= 0xF0 && b <= 0xF4) {
                if (i + 3 >= n) {
                    return false;
                }
                int b1 = bytes[i + 1] & 0xFF;
                // F0 needs 90..BF (else overlong); F4 needs 80..8F (else above U+10FFFF).
                int lo = b == 0xF0 ? 0x90 : 0x80;
                int hi = b == 0xF4 ? 0x8F : 0xBF;
                if (b1 < lo || b1 > hi || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
                    return false;
                }
                i += 4;
            } else {
                return false; // a continuation byte where a character starts, C0, C1, or F5..FF
            }
        }
        return true;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
