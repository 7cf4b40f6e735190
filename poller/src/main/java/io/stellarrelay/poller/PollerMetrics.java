package io.stellarrelay.poller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The poller's own meters (all named {@code stellar_poller_*}; docs/metrics.md lists them). Every meter is
 * registered up front, so a standby shows zeros instead of missing series, and tags come from the
 * closed sets below.
 */
public final class PollerMetrics {

    /** How a tick ended; the {@code outcome} tag of the tick counter. */
    public enum Outcome {
        /** Servers were watched: one query ran and their syncs went out. */
        PUBLISHED,
        /** Nothing was watched: no query at all. */
        IDLE,
        /** The lease went to another poller during the tick, so nothing was published. */
        LEASE_LOST,
        /** Redis or PostgreSQL failed during the tick. */
        FAILED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Counter[] ticks; // by Outcome ordinal
    private final Timer duration;
    private final Timer registryRead;
    private final Timer query;
    private final Timer encode;
    private final Timer publish;
    private final AtomicInteger servers = new AtomicInteger();
    private final Counter published;
    private final Counter publishFailures;

    /** @param active whether this poller holds the lease right now (read at scrape time) */
    public PollerMetrics(MeterRegistry registry, BooleanSupplier active) {
        Outcome[] outcomes = Outcome.values();
        ticks = new Counter[outcomes.length];
        for (Outcome outcome : outcomes) {
            ticks[outcome.ordinal()] = Counter.builder("stellar.poller.ticks")
                    .description("Ticks run by this poller, by outcome")
                    .tag("outcome", outcome.tag())
                    .register(registry);
        }
        duration = Timer.builder("stellar.poller.tick.duration")
                .description("Time of a tick that ran to the end, from reading the watch sets to the last publish")
                .register(registry);
        registryRead = phase(registry, "registry_read");
        query = phase(registry, "query");
        encode = phase(registry, "encode");
        publish = phase(registry, "publish");
        Gauge.builder("stellar.poller.servers", servers, AtomicInteger::get)
                .description("Servers watched on any relay at the last tick")
                .register(registry);
        published = Counter.builder("stellar.poller.syncs.published")
                .description("server:sync frames published to Redis")
                .register(registry);
        publishFailures = Counter.builder("stellar.poller.publish.failures")
                .description("server:sync frames that Redis refused or that were lost with the connection")
                .register(registry);
        Gauge.builder("stellar.poller.active", active, a -> a.getAsBoolean() ? 1 : 0)
                .description("1 while this poller holds the lease and runs the ticks, 0 on standby")
                .strongReference(true)
                .register(registry);
    }

    private static Timer phase(MeterRegistry registry, String phase) {
        return Timer.builder("stellar.poller.tick.phase")
                .description("Time of each part of a tick")
                .tag("phase", phase)
                .register(registry);
    }

    /**
     * A tick that ran to the end, published or not. Its times are recorded before it is counted, so that a
     * scrape that sees the tick counted also sees its times (a scrape may come between the two).
     */
    void ticked(Outcome outcome, TickReport report) {
        servers.set(report.watched());
        duration.record(report.total());
        record(registryRead, report.registryRead());
        record(query, report.query());
        record(encode, report.encode());
        record(publish, report.publish());
        ticks[outcome.ordinal()].increment();
    }

    /** Phases a tick skipped (nothing watched, lease lost) are not recorded, so they do not drag the mean down. */
    private static void record(Timer timer, Duration time) {
        if (!time.isZero()) {
            timer.record(time);
        }
    }

    void failed() {
        ticks[Outcome.FAILED.ordinal()].increment();
    }

    /** Syncs that reached Redis, from ticks and from syncs between ticks alike. */
    void syncsPublished(int frames) {
        published.increment(frames);
    }

    void publishFailed(int frames) {
        publishFailures.increment(frames);
    }
}
