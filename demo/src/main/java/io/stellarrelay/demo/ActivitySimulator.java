package io.stellarrelay.demo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Plays the game-server daemon in demo mode: every few seconds one server changes its row the way a
 * real one would (start, stop, crash, a new container, resized limits), so that live updates show
 * without anyone touching the database. Each change is handed to a listener (the demo's
 * {@link LiveEventSimulator} announces it as a daemon would). Never part of a production service.
 */
final class ActivitySimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ActivitySimulator.class);

    /** What a server does next, by its current status. */
    private static final String NEXT_STATUS = """
            CASE status::text
              WHEN 'RUNNING' THEN (CASE WHEN ? < 0.2 THEN 'ERROR' ELSE 'STOPPING' END)
              WHEN 'STOPPING' THEN 'STOPPED'
              WHEN 'STOPPED' THEN 'STARTING'
              WHEN 'STARTING' THEN 'RUNNING'
              WHEN 'ERROR' THEN 'STARTING'
              WHEN 'INSTALLING' THEN 'STARTING'
              ELSE status::text
            END::"ServerStatus\"""";

    /**
     * One step of one server. A daemon sizes a server's container when it starts it, so the limits change
     * with a start and never under a running server: the usage it reports stays within the limits shown.
     */
    private static final String STEP = """
            UPDATE servers s
               SET "previousStatus" = s.status,
                   status = n.next,
                   "containerId" = CASE WHEN s.status::text IN ('STOPPED', 'ERROR', 'INSTALLING')
                                        THEN 'ctr-' || substr(md5(random()::text), 1, 12)
                                        ELSE s."containerId" END,
                   memory = CASE WHEN n.next::text = 'STARTING' THEN ? ELSE s.memory END,
                   cpu = CASE WHEN n.next::text = 'STARTING' THEN ? ELSE s.cpu END,
                   "updatedAt" = (now() AT TIME ZONE 'UTC')
              FROM (SELECT id, %s AS next FROM servers WHERE id = ?) n
             WHERE s.id = n.id
            RETURNING s.status::text, s."blueprintId\"""".formatted(NEXT_STATUS);

    private static final String CRASH = """
            UPDATE servers
               SET "previousStatus" = status, status = 'ERROR', "updatedAt" = (now() AT TIME ZONE 'UTC')
             WHERE id = ? AND NOT suspended
            RETURNING status::text, "blueprintId\"""";

    private static final long[] MEMORY_STEPS = {1024, 2048, 3072, 4096, 6144, 8192};
    private static final double[] CPU_STEPS = {50, 100, 150.5, 200, 300, 400};

    /** One step: the server, its blueprint, and its new status (panel spelling, upper case). */
    record Change(String serverId, String blueprintId, String status) {}

    private final DataSource dataSource;
    private final Random random;
    private final Consumer<Change> listener;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("demo-activity").daemon().factory());

    ActivitySimulator(DataSource dataSource, Random random, Consumer<Change> listener) {
        this.dataSource = dataSource;
        this.random = random;
        this.listener = listener;
    }

    void start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::stepQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stepQuietly() {
        try {
            Change change = step();
            if (change != null) {
                listener.accept(change);
            }
        } catch (Exception e) {
            log.warn("Activity simulator step failed: {}", e.toString());
        }
    }

    /** Moves one random, unsuspended server one step along its life; returns what changed, or null if none. */
    Change step() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            List<String> candidates = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT id FROM servers WHERE NOT suspended AND status::text <> 'MAINTENANCE' ORDER BY id");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    candidates.add(rs.getString(1));
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            String id = candidates.get(random.nextInt(candidates.size()));
            try (PreparedStatement st = c.prepareStatement(STEP)) {
                st.setLong(1, MEMORY_STEPS[random.nextInt(MEMORY_STEPS.length)]);
                st.setDouble(2, CPU_STEPS[random.nextInt(CPU_STEPS.length)]);
                st.setDouble(3, random.nextDouble());
                st.setString(4, id);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return new Change(id, rs.getString(2), rs.getString(1));
                }
            }
        }
    }

    /**
     * Crashes an unsuspended server now, whatever it was doing (the page's "crash now"): the change goes to
     * the listener like any step, so the crash report reaches the console at once. Empty for no such server.
     */
    Optional<Change> crash(String serverId) throws SQLException {
        Change change;
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(CRASH)) {
            st.setString(1, serverId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                change = new Change(serverId, rs.getString(2), rs.getString(1));
            }
        }
        listener.accept(change);
        return Optional.of(change);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
