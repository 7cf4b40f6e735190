package io.stellarrelay.poller;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A dedicated PostgreSQL connection that LISTENs on the channel the panel's trigger notifies (see
 * {@code db/notify-trigger.sql}) and hands each payload, a server id, to a consumer. It drains
 * notifications all the time, also on a standby: PostgreSQL keeps every notification until all
 * listeners have read it, so a listener that stopped reading would fill the queue and in the end make
 * the panel's own writes fail.
 *
 * <p>When the connection breaks (PostgreSQL restarted, network cut) it is opened again with backoff.
 * Notifications sent meanwhile are lost; the poller's next tick syncs every watched server anyway.
 */
final class ChangeListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeListener.class);
    private static final int RECEIVE_WAIT_MS = 500;
    private static final long QUIET_CHECK_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final DataSource source;
    private final String channel;
    private final Consumer<String> onServerChanged;
    private final Thread thread;
    private final Object pause = new Object();
    private volatile boolean running = true;
    private volatile boolean listening;

    /** @param channel an unquoted PostgreSQL identifier (checked by {@link PollerConfig}) */
    ChangeListener(DataSource source, String channel, Consumer<String> onServerChanged) {
        this.source = source;
        this.channel = channel;
        this.onServerChanged = onServerChanged;
        this.thread = Thread.ofPlatform().name("poller-listen").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** True while LISTEN is in place: changes committed from now on are noticed. */
    boolean listening() {
        return listening;
    }

    private void run() {
        long backoff = FIRST_BACKOFF_MS;
        boolean failing = false;
        while (running) {
            try (Connection connection = source.getConnection()) {
                try (Statement listen = connection.createStatement()) {
                    listen.execute("LISTEN " + channel);
                }
                listening = true;
                backoff = FIRST_BACKOFF_MS;
                if (failing) {
                    log.info("Listening on '{}' again; changes made meanwhile reach clients with the next tick", channel);
                    failing = false;
                } else {
                    log.info("Listening on '{}' for changed servers", channel);
                }
                receive(connection);
            } catch (Exception e) {
                listening = false;
                if (!running) {
                    break;
                }
                if (!failing) {
                    log.warn("LISTEN on '{}' failed, reconnecting until it works: {}", channel, e.toString());
                    failing = true;
                }
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } finally {
                listening = false;
            }
        }
    }

    private void receive(Connection connection) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        long heard = System.nanoTime();
        while (running) {
            PGNotification[] notifications = pg.getNotifications(RECEIVE_WAIT_MS);
            if (notifications != null && notifications.length > 0) {
                for (PGNotification n : notifications) {
                    onServerChanged.accept(n.getParameter());
                }
                heard = System.nanoTime();
            } else if (System.nanoTime() - heard > QUIET_CHECK_NANOS) {
                // A connection silently dropped on the way (NAT, firewall) would wait forever for
                // notifications; a round trip now and then finds out.
                if (!connection.isValid(2)) {
                    throw new SQLException("the LISTEN connection stopped answering");
                }
                heard = System.nanoTime();
            }
        }
    }

    private void pause(long millis) {
        synchronized (pause) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long left;
            while (running && (left = end - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(pause, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (pause) {
            pause.notifyAll();
        }
        try {
            // Leaves within one receive wait; the connection closes on the way out.
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
