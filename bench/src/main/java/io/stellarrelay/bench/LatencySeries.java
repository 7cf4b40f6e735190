package io.stellarrelay.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;

/** Latency second by second for a chart: p50, p99 and max (ms) of each interval histogram of microseconds. */
final class LatencySeries {
    private final List<double[]> p50 = new ArrayList<>();
    private final List<double[]> p99 = new ArrayList<>();
    private final List<double[]> max = new ArrayList<>();

    /** The interval's points at {@code t} seconds; an empty interval adds none. */
    void add(double t, Histogram micros) {
        if (micros.getTotalCount() > 0) {
            p50.add(new double[] {t, micros.getValueAtPercentile(50) / 1000.0});
            p99.add(new double[] {t, micros.getValueAtPercentile(99) / 1000.0});
            max.add(new double[] {t, micros.getMaxValue() / 1000.0});
        }
    }

    List<Chart.Series> series() {
        return List.of(Chart.Series.of("p50", p50), Chart.Series.of("p99", p99), Chart.Series.of("max", max));
    }
}
