package io.stellarrelay.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PercentilesTest {
    @Test
    void nearestRankOnOneToHundred() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[99 - i] = (i + 1) * 1_000_000L; // unsorted input: 100 ms ... 1 ms
        }
        Percentiles p = Percentiles.of(v);
        assertEquals(100, p.count());
        assertEquals(1_000_000L, p.min());
        assertEquals(50_000_000L, p.value(50));
        assertEquals(90_000_000L, p.value(90));
        assertEquals(99_000_000L, p.value(99));
        assertEquals(100_000_000L, p.value(99.9));
        assertEquals(100_000_000L, p.max());
        assertEquals(50.5, p.mean() / 1e6, 1e-9);
        assertEquals(50.0, p.toMillisMap().get("p50Ms"));
    }

    @Test
    void missingSamplesAreLeftOutAndNoneGiveMinusOne() {
        Percentiles p = Percentiles.of(new long[] {-1, 3, -1, 1, 2});
        assertEquals(3, p.count());
        assertEquals(2, p.value(50));
        assertEquals(3, p.max());
        assertEquals(-1, Percentiles.of(new long[] {-1}).value(50));
        assertEquals("no samples", Percentiles.of(new long[0]).summary());
    }

    @Test
    void aSingleSampleIsEveryPercentile() {
        Percentiles p = Percentiles.of(new long[] {7});
        assertEquals(7, p.value(0.1));
        assertEquals(7, p.value(50));
        assertEquals(7, p.value(100));
    }
}
