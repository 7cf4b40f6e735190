package io.stellarrelay.poller;

import io.stellarrelay.protocol.ProtocolCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Syncs between ticks, for two kinds of hint: servers the panel database reports changed
 * ({@code POLLER_LISTEN}), and servers a relay asks for because a client subscribed to one that has no
 * recent sync anywhere (see {@link SyncRequestReader}). The first hint schedules a sync a short while
 * later ({@code POLLER_LISTEN_COALESCE_MS}) on the tick thread; whatever else arrives until then joins
 * it, so a burst costs one statement. A notified server is synced only if some relay watches it; a
 * requested one always (a relay asked after checking the client's access, and its watch set may not be
 * written yet). Only an active poller runs these syncs, a notified one only if it holds the server's
 * share (a relay's request is taken by one poller alone and synced by it); a standby counts and drops
 * what it hears.
 *
 * <p>Running on the tick thread keeps syncs of one server in the order their queries ran: a tick and
 * a notification never publish concurrently.
 */
final class ChangeSyncs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangeSyncs.class);

    private final ChangeListener listener;
    private final ScheduledExecutorService tickThread;
    private final long coalesceMillis;
    private final WatchedServers watched;
    private final SyncPublisher publisher;
    private final HeldConnection database;
    private final java.util.function.Predicate<String> owned;
    private final BooleanSupplier active;
    private final BooleanSupplier mayPublish;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final Set<String> requested = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean syncScheduled = new AtomicBoolean();
    private final AtomicLong taken = new AtomicLong();
    private boolean failing;

    /** @param channel the notification channel to LISTEN on, or null for relay requests only */
    ChangeSyncs(DataSource listenSource, String channel, Duration coalesce, ScheduledExecutorService tickThread,
                WatchedServers watched, SyncPublisher publisher, HeldConnection database, BooleanSupplier active,
                BooleanSupplier mayPublish, java.util.function.Predicate<String> owned) {
        this.listener = channel == null ? null : new ChangeListener(listenSource, channel, this::serverChanged);
        this.tickThread = tickThread;
        this.coalesceMillis = coalesce.toMillis();
        this.watched = watched;
        this.publisher = publisher;
        this.database = database;
        this.owned = owned;
        this.active = active;
        this.mayPublish = mayPublish;
    }

    void start() {
        if (listener != null) {
            listener.start();
        }
    }

    boolean listening() {
        return listener != null && listener.listening();
    }

    /** Notified server ids taken up so far, by syncs run or, on a standby, dropped. */
    long notificationsTaken() {
        return taken.get();
    }

    private void serverChanged(String serverId) {
        take(pending, serverId);
    }

    /** A relay's request: sync this server soon, whether or not a watch set names it yet. */
    void requested(String serverId) {
        take(requested, serverId);
    }

    /** Takes the relay requests not synced yet, for the tick about to run (on the tick thread). */
    List<String> takeRequests() {
        List<String> taken = new ArrayList<>(requested);
        requested.removeAll(taken);
        return taken;
    }

    private void take(Set<String> into, String serverId) {
        // Anything on the channel or list is a hint only; ids no client could have subscribed to are ignored.
        if (serverId.isEmpty() || serverId.length() > ProtocolCodec.MAX_SERVER_ID_LENGTH
                || ProtocolCodec.hasControlCharacter(serverId)) {
            return;
        }
        into.add(serverId);
        if (syncScheduled.compareAndSet(false, true)) {
            try {
                tickThread.schedule(this::syncPending, coalesceMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the poller is closing
            }
        }
    }

    private void syncPending() {
        // Cleared before draining: an id added from here on schedules the next sync, or is taken now.
        syncScheduled.set(false);
        List<String> ids = new ArrayList<>(pending);
        pending.removeAll(ids);
        List<String> asked = takeRequests();
        if (ids.isEmpty() && asked.isEmpty()) {
            return;
        }
        try {
            if (active.getAsBoolean()) {
                long t0 = System.nanoTime();
                Set<String> wanted = new HashSet<>(asked);
                // Every poller hears every notification: each syncs the servers of its own shares.
                List<String> mine = ids.stream().filter(owned).toList();
                if (!mine.isEmpty()) {
                    wanted.addAll(watched.filter(mine));
                }
                if (!wanted.isEmpty()) {
                    TickReport report = publisher.sync(database, SyncPublisher.Plan.readAll(wanted),
                            Duration.ofNanos(System.nanoTime() - t0), mayPublish, false);
                    log.debug("Synced {} changed servers: {}", wanted.size(), report);
                }
            }
            if (failing) {
                log.info("Syncs of changed servers work again");
                failing = false;
            }
        } catch (Exception e) {
            if (!failing) {
                log.warn("Sync of changed servers failed; the next tick covers them: {}", e.toString());
                failing = true;
            }
        } finally {
            taken.addAndGet(ids.size());
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
    }
}
