package io.stellarrelay.poller;

import java.time.Duration;

/**
 * What one tick did: how many servers were watched, how many syncs went out, and where the time went.
 * Rows are encoded and published in batches while the query still delivers the next ones, so the
 * phases overlap: {@code query} runs from the statement to its last row, {@code encode} and
 * {@code publish} add up the time spent on each batch, and {@code total} is the tick's elapsed time,
 * less than their sum.
 *
 * @param statements SQL statements the tick ran: 0 when nothing is watched; otherwise the change scan
 *                   (not on a poller's first tick) and the read of the rows (when there are any to read)
 * @param query      the change scan and the read of the rows
 * @param read       servers whose rows were read and encoded (new, changed, or due to be read again);
 *                   the others' kept frames were republished
 */
public record TickReport(int watched, int published, int statements, Duration registryRead, Duration query,
                         Duration encode, Duration publish, Duration total, int read) {

    static TickReport idle(Duration registryRead) {
        return new TickReport(0, 0, 0, registryRead, Duration.ZERO, Duration.ZERO, Duration.ZERO, registryRead, 0);
    }
}
