package io.stellarrelay.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LatencyWindowsTest {
    /** {@code fastCount} samples of {@code fastMicros} and {@code slowCount} of {@code slowMicros}. */
    private static Histogram micros(int fastCount, long fastMicros, int slowCount, long slowMicros) {
        Histogram h = new Histogram(3);
        h.recordValueWithCount(fastMicros, fastCount);
        if (slowCount > 0) {
            h.recordValueWithCount(slowMicros, slowCount);
        }
        return h;
    }

    @Test
    void worstP99IsTakenOnlyFromWindowsInsideTheMeasuredPeriod() {
        LatencyWindows w = new LatencyWindows();
        w.add(0, 1, micros(90, 1_000, 10, 900_000));   // warm-up: 900 ms, ignored
        w.add(1, 2, micros(98, 1_000, 2, 2_000));
        w.add(2, 3, micros(90, 1_000, 10, 40_000));    // a stall: p99 40 ms
        w.add(3, 4, micros(90, 1_000, 10, 30_000));
        w.add(4, 5.2, micros(90, 1_000, 10, 500_000)); // ends after the period: ignored
        Map<String, Object> s = w.summary(1, 5, 25);
        assertEquals(3, s.get("windows"));
        assertEquals(40.0, (Double) s.get("worstP99Ms"), 0.1);
        assertEquals(2.0, s.get("worstAtSeconds"));
        assertEquals(2, s.get("windowsOverThreshold"));
    }

    @Test
    void emptyWindowsAreNotWindowsAndNoneLeavesNoWorst() {
        LatencyWindows w = new LatencyWindows();
        w.add(1, 2, new Histogram(3));
        assertEquals(0, w.windows().size());
        Map<String, Object> s = w.summary(0, 10, 25);
        assertEquals(0, s.get("windows"));
        assertNull(s.get("worstP99Ms"));
        assertEquals(0, s.get("windowsOverThreshold"));
    }
}
