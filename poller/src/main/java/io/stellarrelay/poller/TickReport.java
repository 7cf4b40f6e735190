package io.stellarrelay.poller;

import java.time.Duration;

/**
 * What one tick did: how many servers were watched, how many syncs went out, and where the time went.
 *
 * @param statements SQL statements the tick ran: 0 when nothing is watched, 1 otherwise
 */
public record TickReport(int watched, int published, int statements, Duration registryRead, Duration query,
                         Duration encode, Duration publish) {

    static TickReport idle(Duration registryRead) {
        return new TickReport(0, 0, 0, registryRead, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    public Duration total() {
        return registryRead.plus(query).plus(encode).plus(publish);
    }
}
