package io.stellarrelay.poller;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The stable split of servers over {@code POLLER_REPLICAS} shares: a server's share is the CRC-32 of
 * its id's UTF-8 bytes modulo the number of shares, the same on every poller, every JVM and every run,
 * so each share's lease decides alone who syncs its servers.
 */
final class Shares {
    private Shares() {}

    /** The share of {@code serverId}, 0 to {@code shares - 1}. */
    static int of(String serverId, int shares) {
        if (shares == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(serverId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shares);
    }
}
