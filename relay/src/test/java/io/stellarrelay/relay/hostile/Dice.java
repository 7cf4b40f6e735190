package io.stellarrelay.relay.hostile;

import java.util.List;
import java.util.Random;

import static io.stellarrelay.relay.hostile.Rules.LEAK_MARKERS;

/** The generator's random choices, all from one seeded {@link Random} so that a seed replays a run. */
final class Dice {
    private final Random r;

    Dice(Random r) {
        this.r = r;
    }

    <T> T pick(List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    int between(int min, int max) { // inclusive
        return min + r.nextInt(max - min + 1);
    }

    byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Printable ASCII, or (odd) any mix of controls, specials, non-BMP and lone surrogates. */
    String randomString(int length, boolean odd) {
        StringBuilder b = new StringBuilder(length);
        while (b.length() < length) {
            int kind = odd ? r.nextInt(8) : 0;
            switch (kind) {
                case 0, 1, 2 -> b.append((char) between(0x20, 0x7E));
                case 3 -> b.append((char) pick(List.of(between(0, 0x1F), 0x7F, between(0x80, 0x9F))).intValue());
                case 4 -> b.append(pick(List.of('\u200b', '\u200d', '\u202e', '\u2028', '\u2029', '\ufeff', '\ufffd',
                        '\uffff', '\ufffe', '\u0301', 'ｓ', 'é', 'ß', 'Σ', '中', 'ع')));
                case 5 -> b.appendCodePoint(between(0x10000, 0x10FFFF));
                case 6 -> b.append((char) between(0xD800, 0xDFFF)); // lone surrogate
                default -> b.append((char) between(0xA0, 0xFFFD));
            }
        }
        String s = b.length() > length && length > 0 ? b.substring(0, length) : b.toString();
        for (String marker : LEAK_MARKERS) { // echoed strings must not fake a leak
            s = s.replace(marker, "_");
        }
        return s;
    }
}
