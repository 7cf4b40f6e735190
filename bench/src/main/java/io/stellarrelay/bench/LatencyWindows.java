package io.stellarrelay.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency per window of about a second (by receive time), so that a stall that a whole run's p99 hides
 * shows: "no one-second window whose p99 exceeds 25 ms" is read from {@link #summary}.
 */
final class LatencyWindows {
    /** One window, in seconds since the start of the run, with its p99 in milliseconds. */
    record Window(double fromSeconds, double toSeconds, long count, double p99Ms) {}

    private final List<Window> windows = new ArrayList<>();

    /** Adds the latencies received between {@code fromSeconds} and {@code toSeconds} (microseconds); empty windows are skipped. */
    void add(double fromSeconds, double toSeconds, Histogram micros) {
        if (micros.getTotalCount() > 0) {
            windows.add(new Window(fromSeconds, toSeconds, micros.getTotalCount(), micros.getValueAtPercentile(99) / 1000.0));
        }
    }

    List<Window> windows() {
        return List.copyOf(windows);
    }

    /**
     * Over the windows that lie entirely within {@code [fromSeconds, toSeconds]} (the measured period):
     * how many, the worst p99 and when, and how many exceed {@code thresholdMs}.
     */
    Map<String, Object> summary(double fromSeconds, double toSeconds, double thresholdMs) {
        Window worst = null;
        int inside = 0;
        int over = 0;
        for (Window w : windows) {
            if (w.fromSeconds() < fromSeconds || w.toSeconds() > toSeconds) {
                continue;
            }
            inside++;
            if (w.p99Ms() > thresholdMs) {
                over++;
            }
            if (worst == null || w.p99Ms() > worst.p99Ms()) {
                worst = w;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("windows", inside);
        m.put("worstP99Ms", worst == null ? null : worst.p99Ms());
        m.put("worstAtSeconds", worst == null ? null : Percentiles.round(worst.fromSeconds()));
        m.put("thresholdMs", thresholdMs);
        m.put("windowsOverThreshold", over);
        return m;
    }
}
