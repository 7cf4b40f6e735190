package io.stellarrelay.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a scenario measures: the relay jar, or one of the reference relays in {@code bench/reference/}
 * that speak the same subset of the protocol (see bench/README.md "Reference relays").
 */
enum Target {
    RELAY("relay", null),
    NODE("node", "node-ws.js"),
    BUN("bun", "bun.js");

    private final String wire;
    private final String entryFile;

    Target(String wire, String entryFile) {
        this.wire = wire;
        this.entryFile = entryFile;
    }

    /** The name on the command line and in reports. */
    String wire() {
        return wire;
    }

    /** The reference's script in {@code bench/reference/}; null for the relay. */
    String entryFile() {
        return entryFile;
    }

    boolean isReference() {
        return entryFile != null;
    }

    static Target parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.wire.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown target '" + text + "': expected one of "
                        + Arrays.stream(values()).map(Target::wire).collect(Collectors.joining(", "))));
    }

    /** For picocli: {@code --target bun}. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            return parse(value);
        }
    }
}
