package io.stellarrelay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders of chart series from the report's data. */
final class Series {
    private Series() {}

    /** A cumulative distribution: x = milliseconds, y = percent of samples at or below; at most ~400 points. */
    static Chart.Series cdf(String name, Percentiles p) {
        long[] v = p.sortedValues();
        List<double[]> points = new ArrayList<>();
        if (v.length > 0) {
            int step = Math.max(1, v.length / 400);
            for (int i = 0; i < v.length; i += step) {
                points.add(new double[] {v[i] / 1e6, 100.0 * (i + 1) / v.length});
            }
            points.add(new double[] {v[v.length - 1] / 1e6, 100.0});
        }
        return Chart.Series.of(name, points);
    }

    /** A time series of one field of the sampler's JSON rows (rows without it are skipped). */
    static Chart.Series field(String name, List<Map<String, Object>> rows, String field) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Object v = r.get(field);
            if (v instanceof Number n && n.doubleValue() >= 0) {
                points.add(new double[] {((Number) r.get("t")).doubleValue(), n.doubleValue()});
            }
        }
        return Chart.Series.of(name, points);
    }

    /** CPU of the relay, of this generator and of the whole machine (% of one core), and the relay's RSS. */
    static List<Chart.Series> cpuAndRss(List<Map<String, Object>> rows) {
        return List.of(field("relay CPU %", rows, "relayCpuPercent"), field("generator CPU %", rows, "benchCpuPercent"),
                field("whole machine CPU %", rows, "machineCpuPercent"), field("relay RSS MiB", rows, "relayRssMiB"));
    }
}
