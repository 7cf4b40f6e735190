package io.stellarrelay.relay.hub;

/** Console lines made safe to send and measured in UTF-8, without encoding them. */
final class Utf8 {
    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /**
     * The longest prefix of {@code s} that takes at most {@code maxBytes} in UTF-8, never splitting a
     * character, with lone surrogates (which JSON escapes such as {@code "\ud800"} can produce, and which
     * cannot be written as UTF-8) replaced by U+FFFD.
     */
    static String sanitize(String s, int maxBytes) {
        int bytes = 0;
        StringBuilder out = null; // only once something must be replaced
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            int units = 1;
            int size;
            boolean lone = false;
            if (c < 0x80) {
                size = 1;
            } else if (c < 0x800) {
                size = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                size = 4;
                units = 2;
            } else {
                size = 3;
                lone = Character.isSurrogate(c);
            }
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

    /** Bytes of a {@link #sanitize sanitized} string in UTF-8. */
    static int length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4; // with the low surrogate that follows
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
