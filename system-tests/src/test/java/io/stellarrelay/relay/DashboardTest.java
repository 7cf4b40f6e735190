package io.stellarrelay.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.metrics.ServiceMetrics;
import io.stellarrelay.poller.PollerMetrics;
import io.stellarrelay.relay.metrics.RelayMetrics;
import io.stellarrelay.testing.PrometheusText;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Grafana dashboard asks only for series that a relay or a poller really exposes. */
class DashboardTest {
    private static final Path DASHBOARD = Path.of("..", "docker", "observability", "grafana", "dashboards",
            "stellar-relay.json");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** PromQL words that look like metric names but are not. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "offset", "bool", "and", "or", "unless");

    /** What the registries of a relay and a poller expose, as Prometheus would scrape them. */
    static Set<String> exposedNames() {
        Set<String> names = new TreeSet<>();
        try (ServiceMetrics relay = new ServiceMetrics(); ServiceMetrics poller = new ServiceMetrics()) {
            new RelayMetrics(relay.registry()).observe(new RelayMetrics.Readings() {
                @Override
                public int connections() {
                    return 0;
                }

                @Override
                public int authenticatedConnections() {
                    return 0;
                }

                @Override
                public long subscriptions() {
                    return 0;
                }

                @Override
                public int watchedServers() {
                    return 0;
                }

                @Override
                public int queuedDeliveries() {
                    return 0;
                }
            });
            new PollerMetrics(poller.registry(), () -> false);
            names.addAll(PrometheusText.parse(relay.scrape()).names());
            names.addAll(PrometheusText.parse(poller.scrape()).names());
        }
        return names;
    }

    /** Metric names in a PromQL expression: identifiers outside strings, label matchers, ranges and groupings. */
    static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            boolean function = bare.substring(m.end()).stripLeading().startsWith("(");
            boolean partOfNumber = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
            if (!function && !partOfNumber && !KEYWORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    private static List<String> expressions(JsonNode panels) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : panels) {
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
            exprs.addAll(expressions(panel.path("panels")));
        }
        return exprs;
    }

    @Test
    @DisplayName("the metric name extraction skips functions, labels, ranges and groupings")
    void extractsMetricNames() {
        assertEquals(Set.of("a_total", "b_count"), metricNames(
                "sum by (code, instance) (rate(a_total{x=\"y(z)\"}[$__rate_interval])) / on (job) b_count offset 5m"));
    }

    @Test
    @DisplayName("every PromQL expression of the dashboard uses only metric names a relay or poller exposes")
    void dashboardUsesOnlyExposedMetrics() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> exprs = expressions(dashboard.path("panels"));
        assertTrue(exprs.size() >= 15, "found the dashboard's queries: " + exprs);
        Set<String> exposed = exposedNames();
        List<String> unknown = new ArrayList<>();
        for (String expr : exprs) {
            Set<String> used = metricNames(expr);
            assertFalse(used.isEmpty(), "no metric in " + expr);
            for (String name : used) {
                if (!exposed.contains(name)) {
                    unknown.add(name + " in " + expr);
                }
            }
        }
        assertEquals(List.of(), unknown, "metrics the dashboard asks for but nothing exposes");
    }
}
