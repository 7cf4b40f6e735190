package io.stellarrelay.bench;

/** Limits of this machine that no option can lift. */
final class Limits {
    /** One process may hold 20,000 open files here; the generator needs a few hundred for itself. */
    static final int MAX_CLIENTS = 19_000;

    private Limits() {}

    static void checkClients(int clients) {
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("--clients must be 1.." + MAX_CLIENTS
                    + " (one process may hold at most 20,000 open files; the relay holds one per client as well)");
        }
    }
}
