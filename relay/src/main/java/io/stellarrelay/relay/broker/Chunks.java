package io.stellarrelay.relay.broker;

import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a long list of names (channels, server ids) into Redis commands of at most {@link #PER_COMMAND}
 * names each: one command per name would cost a round trip each, one command for all of them could grow
 * without bound (a relay may watch tens of thousands of servers).
 */
final class Chunks {
    static final int PER_COMMAND = 1000;

    private Chunks() {}

    /** Calls {@code command} once per run of at most {@link #PER_COMMAND} consecutive names; never for none. */
    static void forChunks(List<String> names, Consumer<String[]> command) {
        for (int from = 0; from < names.size(); from += PER_COMMAND) {
            command.accept(names.subList(from, Math.min(names.size(), from + PER_COMMAND)).toArray(String[]::new));
        }
    }
}
