package io.stellarrelay.poller;

import io.stellarrelay.config.DatabaseSettings;
import io.stellarrelay.db.Databases;
import io.stellarrelay.testing.PrometheusText;
import io.stellarrelay.testing.ScratchServices;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /metrics} on the poller's health port follows its ticks and its lease. */
class PollerMetricsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final ScratchServices database = ScratchServices.panel().withoutRedis();
    @RegisterExtension
    final ScratchServices namespace = ScratchServices.redisOnly();
    private final List<Poller> pollers = new ArrayList<>();

    @AfterEach
    void stop() {
        pollers.forEach(Poller::close);
    }

    private PollerConfig config(String pollerId) {
        return PollerConfig.fromEnvironment(Map.of("DATABASE_URL", database.db().url(), "REDIS_URL", namespace.redis().url(),
                "REDIS_PREFIX", namespace.redis().prefix(), "HEALTH_HOST", "127.0.0.1", "HEALTH_PORT", "0",
                "POLL_INTERVAL_MS", "200", "POLLER_ID", pollerId));
    }

    private Poller start(String pollerId, DataSource dataSource) {
        Poller poller = dataSource == null ? Poller.create(config(pollerId)) : Poller.create(config(pollerId), dataSource);
        pollers.add(poller);
        return poller.start();
    }

    /** Scrapes until the metrics satisfy {@code condition}, and returns that scrape. */
    private static PrometheusText awaitMetrics(Poller poller, Predicate<PrometheusText> condition) {
        PrometheusText[] last = {null};
        try {
            await().atMost(WAIT).until(() -> {
                last[0] = PrometheusText.scrape(poller.healthPort());
                return condition.test(last[0]);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("metrics never got there; last scrape: " + last[0].samples("stellar_poller_"), e);
        }
        return last[0];
    }

    private static double ticks(PrometheusText metrics, String outcome) {
        return metrics.value("stellar_poller_ticks_total", "outcome", outcome);
    }

    @Test
    @DisplayName("published ticks are counted and timed phase by phase, with the servers and syncs of each")
    void publishedTicksAreMeasured() {
        namespace.redis().relayWatches("r1", Set.of(SERVER, OTHER_SERVER));
        Poller poller = start("p1", null);
        PrometheusText metrics = awaitMetrics(poller, m -> ticks(m, "published") >= 2);
        assertEquals(2, metrics.value("stellar_poller_servers"));
        assertEquals(1, metrics.value("stellar_poller_active"));
        double published = ticks(metrics, "published");
        // Counted after the tick, so one more may have finished between the two reads.
        double syncs = metrics.value("stellar_poller_syncs_published_total");
        assertTrue(syncs == 2 * published || syncs == 2 * (published + 1), syncs + " syncs in " + published + " ticks");
        assertTrue(metrics.value("stellar_poller_tick_duration_seconds_count") >= published);
        for (String phase : List.of("registry_read", "query", "encode", "publish")) {
            assertTrue(metrics.value("stellar_poller_tick_phase_seconds_count", "phase", phase) >= published, phase);
            assertTrue(metrics.value("stellar_poller_tick_phase_seconds_sum", "phase", phase) > 0, phase);
        }
        assertEquals(0, ticks(metrics, "failed"));
        assertEquals(0, metrics.value("stellar_poller_publish_failures_total"));
    }

    @Test
    @DisplayName("with nothing watched, ticks are idle and run no query")
    void idleTicksRunNoQuery() {
        Poller poller = start("p1", null);
        PrometheusText metrics = awaitMetrics(poller, m -> ticks(m, "idle") >= 2);
        assertEquals(0, ticks(metrics, "published"));
        assertEquals(0, metrics.value("stellar_poller_servers"));
        assertEquals(0, metrics.value("stellar_poller_tick_phase_seconds_count", "phase", "query"));
        assertTrue(metrics.value("stellar_poller_tick_phase_seconds_count", "phase", "registry_read") >= 2);
    }

    @Test
    @DisplayName("a tick whose query fails is counted as failed, not as a publish failure")
    void failedTicksAreCounted() {
        namespace.redis().relayWatches("r1", Set.of(SERVER));
        // Nothing listens on port 1: every connection attempt is refused at once.
        DataSource unreachable = Databases.unpooled(DatabaseSettings.parse("postgresql://postgres@127.0.0.1:1/none"));
        Poller poller = start("p1", unreachable);
        PrometheusText metrics = awaitMetrics(poller, m -> ticks(m, "failed") >= 2);
        assertEquals(0, ticks(metrics, "published"));
        assertEquals(0, metrics.value("stellar_poller_publish_failures_total"));
        assertEquals(1, metrics.value("stellar_poller_active"));
    }

    @Test
    @DisplayName("the active flag is 1 on the lease holder and 0 on a standby, and moves when the holder stops")
    void activeFlagFollowsTheLease() {
        Poller first = start("p1", null);
        awaitMetrics(first, m -> m.value("stellar_poller_active") == 1);
        Poller standby = start("p2", null);
        // Two more ticks of the holder give the standby several claims (a quarter interval apart).
        double holderTicks = ticks(PrometheusText.scrape(first.healthPort()), "idle");
        awaitMetrics(first, m -> ticks(m, "idle") >= holderTicks + 2);
        PrometheusText waiting = PrometheusText.scrape(standby.healthPort());
        assertEquals(0, waiting.value("stellar_poller_active"));
        assertEquals(0, ticks(waiting, "idle"));

        first.close();
        pollers.remove(first);
        awaitMetrics(standby, m -> m.value("stellar_poller_active") == 1 && ticks(m, "idle") >= 1);
    }
}
