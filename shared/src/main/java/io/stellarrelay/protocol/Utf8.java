package io.stellarrelay.protocol;

/**
 * UTF-8 without encoding or decoding: whether bytes are well-formed, how many bytes a string takes, and
 * how to cut a string short without splitting a character. Every frame from Redis is checked once before
 * it goes out as a text frame, and every console line is measured; decoding or encoding for that only
 * to throw the result away made these checks some of the relay's largest allocations per message.
 */
public final class Utf8 {
    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /** Whether {@code bytes} are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
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

    /**
     * The longest prefix of {@code s} that takes at most {@code maxBytes} in UTF-8, never splitting a
     * character, with lone surrogates (which JSON escapes such as {@code "\ud800"} can produce, and which
     * cannot be written as UTF-8) replaced by U+FFFD.
     */
    public static String sanitize(String s, int maxBytes) {
        int bytes = 0;
        StringBuilder out = null; // only once something must be replaced
        for (int i = 0; i < s.length(); ) {
            int size = bytesAt(s, i);
            int units = size == 4 ? 2 : 1;
            boolean lone = size == 3 && Character.isSurrogate(s.charAt(i));
            if (bytes + size > maxBytes) {
                return out == null ? s.substring(0, i) : out.toString();
            }
            if (lone && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                if (lone) {
                    out.append(REPLACEMENT);
                } else {
                    out.append(s, i, i + units);
                }
            }
            bytes += size;
            i += units;
        }
        return out == null ? s : out.toString();
    }

    /** Bytes of {@code s} in UTF-8, a lone surrogate counted as the U+FFFD that {@link #sanitize} puts in its place. */
    public static int length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int size = bytesAt(s, i);
            bytes += size;
            i += size == 4 ? 2 : 1;
        }
        return bytes;
    }

    /**
     * The first {@code maxChars} UTF-16 units of {@code s}, one fewer when the last would be the first
     * half of a surrogate pair; {@code s} itself when it is no longer.
     */
    public static String cut(String s, int maxChars) {
        if (s.length() <= maxChars) {
            return s;
        }
        int end = maxChars > 0 && Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return s.substring(0, end);
    }

    /** Bytes of the character at {@code s[i]}: 4 for a surrogate pair, 3 for a lone surrogate (as U+FFFD). */
    private static int bytesAt(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return pair ? 4 : 3;
    }
}
