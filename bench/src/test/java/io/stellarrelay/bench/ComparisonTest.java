package io.stellarrelay.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {
    private static Map<String, Object> fanout(double p99, double p999, long perCpuSecond) {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50Ms", 1.0);
        latency.put("p99Ms", p99);
        latency.put("p99.9Ms", p999);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("latency", latency);
        r.put("deliveriesPerRelayCpuSecond", perCpuSecond);
        return r;
    }

    private static Comparison.Row row(Comparison c, String label) {
        return c.rows().stream().filter(r -> r.figure().label().equals(label)).findFirst().orElseThrow();
    }

    @Test
    void ratiosAreFirstTargetOverEachOtherReadFromNestedKeys() {
        Map<Target, Map<String, Object>> results = new LinkedHashMap<>();
        results.put(Target.RELAY, fanout(450, 720, 47_000));
        results.put(Target.BUN, fanout(9, 24, 250_000));
        results.put(Target.NODE, fanout(10, 20, 70_000));
        Comparison c = Comparison.of("fanout", results);

        Comparison.Row p99 = row(c, "latency p99, ms");
        assertEquals(List.of(450.0, 9.0, 10.0), p99.values());
        assertEquals(50.0, p99.ratios().get(0), 1e-9);
        assertEquals(45.0, p99.ratios().get(1), 1e-9);
        assertEquals(30.0, row(c, "latency p99.9, ms").ratios().get(0), 1e-9); // a key with a dot in it
        assertEquals(0.188, row(c, "deliveries per relay CPU-second").ratios().get(0), 1e-9);
        // Not in these results: no value, no ratio, no exception.
        Comparison.Row loss = row(c, "loss, %");
        assertNull(loss.values().get(0));
        assertNull(loss.ratios().get(0));
    }

    @Test
    void markdownHasOneColumnPerTargetAndPerRatio() {
        Map<Target, Map<String, Object>> results = new LinkedHashMap<>();
        results.put(Target.RELAY, fanout(450, 720, 47_000));
        results.put(Target.BUN, fanout(9, 24, 250_000));
        String table = Comparison.of("fanout", results).markdownTable();
        List<String> lines = table.lines().toList();
        assertEquals("| figure | relay | bun | relay / bun |", lines.get(0));
        assertEquals("|---|---|---|---|", lines.get(1));
        assertTrue(lines.contains("| latency p99, ms (lower is better) | 450 | 9 | 50x |"), table);
        assertTrue(lines.contains("| deliveries per relay CPU-second (higher is better) | 47000 | 250000 | 0.188x |"), table);
        assertTrue(lines.contains("| loss, % (lower is better) | - | - | - |"), table);
    }

    @Test
    void summaryCountsWhereTheFirstIsAsGoodAndNamesTheWorstGapEitherDirection() {
        Map<Target, Map<String, Object>> results = new LinkedHashMap<>();
        results.put(Target.RELAY, fanout(20, 24, 50_000));
        results.put(Target.BUN, fanout(10, 24, 200_000));
        List<String> summary = Comparison.of("fanout", results).summary();
        // p50 equal, p99.9 equal: as good; p99 2x worse; per CPU-second 4x worse (higher is better).
        assertEquals(List.of("relay vs bun: as good or better on 2 of 4 figures; furthest behind on deliveries per relay CPU-second (4 x worse)"),
                summary);
    }

    @Test
    void connectionsFiguresScaleBytesToKiB() {
        Map<Target, Map<String, Object>> results = new LinkedHashMap<>();
        results.put(Target.RELAY, Map.of("rssBytesPerConnection", 34_200L));
        results.put(Target.NODE, Map.of("rssBytesPerConnection", 6_840L));
        Comparison.Row rss = row(Comparison.of("connections", results), "RSS growth per socket, KiB");
        assertEquals(34_200 / 1024.0, rss.values().get(0), 1e-9);
        assertEquals(5.0, rss.ratios().get(0), 1e-9);
    }

    @Test
    void unknownScenarioIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Comparison.of("poller", Map.of()));
    }

    @Test
    void numbersKeepThreeSignificantDigitsWithoutExponent() {
        assertEquals("-", Comparison.number(null));
        assertEquals("12345", Comparison.number(12_345.4));
        assertEquals("45.6", Comparison.number(45.63));
        assertEquals("1.23", Comparison.number(1.234));
        assertEquals("0.0123", Comparison.number(0.012345));
        assertEquals("3", Comparison.number(3.0));
    }
}
