package io.stellarrelay.poller;

import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides what a tick reads: the rows of servers with no kept frame, of servers the change scan
 * ({@link ChangedServers}) names, and of the tick's slice of the rolling re-read; every other server's
 * kept frame is republished as it is.
 *
 * <p>The change scan looks back to {@link #LOOKBACK} before the start of the previous scan, on the
 * database's clock: a row stamped by a writer whose clock is behind by less than that, or committed
 * that long after it was stamped, is still found. The rolling re-read is the safety net for whatever
 * the scan cannot see (a writer that does not set {@code updatedAt}, a deleted row, a larger clock
 * difference): tick {@code t} also reads the servers whose slice, a stable hash of the id modulo
 * {@code rereadTicks}, is {@code t} modulo {@code rereadTicks}, so every server is read again at least
 * once in that many ticks and each tick reads about {@code 1 / rereadTicks} of them, instead of one
 * full read every few ticks that would make that tick as long as a full one.
 */
final class TickPlanner {
    static final Duration LOOKBACK = Duration.ofSeconds(10);

    private final SyncFrames frames;
    private final int rereadTicks;
    private LocalDateTime since;
    private LocalDateTime next;
    private long ticks;

    TickPlanner(SyncFrames frames, int rereadTicks) {
        this.frames = frames;
        this.rereadTicks = rereadTicks;
    }

    /** @param covers the servers the tick is responsible for (its shares), see {@link SyncPublisher.Plan} */
    SyncPublisher.Plan plan(HeldConnection database, Collection<String> serverIds,
                            java.util.function.Predicate<String> covers) throws SQLException {
        long t0 = System.nanoTime();
        LocalDateTime from = since;
        ChangedServers.Changes changes = database.use(c -> ChangedServers.since(c, from));
        next = changes.databaseNow().minus(LOOKBACK);
        Set<String> changed = new HashSet<>(changes.servers());
        frames.listing(changes.allocations(), changed);
        long tick = ticks++;
        int slice = (int) (tick % rereadTicks);
        int renewal = (int) (tick % SyncPublisher.RENEW_EVERY_TICKS);
        List<String> read = new ArrayList<>();
        List<String> republish = new ArrayList<>();
        for (String id : serverIds) {
            if (!frames.has(id) || changed.contains(id) || slice(id) == slice) {
                read.add(id);
            } else {
                republish.add(id);
            }
        }
        return new SyncPublisher.Plan(read, republish, 1, Duration.ofNanos(System.nanoTime() - t0), covers,
                id -> renewalSlice(id) == renewal);
    }

    /**
     * The tick planned last was published: the next scan may start from its clock. Until then (a tick
     * that failed or lost its lease) scans keep looking back to the last published one.
     */
    void published() {
        if (next != null) {
            since = next;
        }
    }

    /**
     * Which tick of {@link SyncPublisher#RENEW_EVERY_TICKS} renews the server's stored copy: each kept
     * copy once in that many consecutive ticks.
     */
    static int renewalSlice(String serverId) {
        return Math.floorMod(serverId.hashCode(), SyncPublisher.RENEW_EVERY_TICKS);
    }

    /** A hash unrelated to {@link Shares}' CRC-32, so that every share's servers spread over all slices. */
    private int slice(String serverId) {
        return Math.floorMod(serverId.hashCode(), rereadTicks);
    }
}
