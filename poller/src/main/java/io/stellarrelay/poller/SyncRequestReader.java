package io.stellarrelay.poller;

import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Takes the relays' sync requests from the Redis list {@code {prefix}:poller:sync-requests} while this
 * poller is the active one. A relay pushes a server id there when a client subscribes to a server that
 * has no recent sync anywhere (nobody watched it for a while: see {@link SyncPublisher} for how long
 * a stored copy lives), so that client gets its first
 * state within milliseconds instead of at the next tick. The ids go to {@link ChangeSyncs}, which syncs
 * whatever arrives within its coalescing window with one statement.
 *
 * <p>A list rather than pub/sub: exactly one poller takes each request, and a request pushed while no
 * poller runs waits (bounded in length and time by the relays) instead of vanishing. A standby does not
 * take any; it checks a few times per second whether it has become the active poller.
 */
final class SyncRequestReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncRequestReader.class);
    /** How long one BLPOP waits; also bounds how late close() is noticed. */
    private static final int WAIT_SECONDS = 1;
    private static final long STANDBY_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final int BATCH = 1000;
    private static final String TAKE_ALL = """
            local ids = redis.call('LRANGE', KEYS[1], 0, -1)
            redis.call('DEL', KEYS[1])
            return ids
            """;

    private final RedisCommands redis;
    private final String key;
    private final BooleanSupplier active;
    private final Consumer<String> requested;
    private final Thread thread;
    private volatile boolean running = true;

    SyncRequestReader(RedisCommands redis, RedisNames names, BooleanSupplier active, Consumer<String> requested) {
        this.redis = redis;
        this.key = names.syncRequestsKey();
        this.active = active;
        this.requested = requested;
        this.thread = Thread.ofPlatform().name("poller-sync-requests").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        boolean failing = false;
        while (running) {
            if (!active.getAsBoolean()) {
                LockSupport.parkNanos(STANDBY_CHECK_NANOS);
                continue;
            }
            try {
                List<String> first = redis.blpop(WAIT_SECONDS, key);
                if (first != null) {
                    requested.accept(first.get(1));
                    List<String> more = redis.lpop(key, BATCH);
                    if (more != null) {
                        more.forEach(requested);
                    }
                }
                if (failing) {
                    log.info("Reading sync requests works again");
                    failing = false;
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    log.warn("Reading sync requests failed, retrying; first syncs wait for the tick meanwhile: {}",
                            e.toString());
                    failing = true;
                }
                LockSupport.parkNanos(STANDBY_CHECK_NANOS);
            }
        }
    }

    /** Takes every request nobody has taken yet, atomically, for the tick about to run. */
    @SuppressWarnings("unchecked")
    List<String> takeWaiting() {
        return (List<String>) redis.eval(TAKE_ALL, List.of(key), List.of());
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
