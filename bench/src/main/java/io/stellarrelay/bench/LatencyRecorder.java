package io.stellarrelay.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Latencies recorded from many I/O threads without contention: every thread writes its own
 * {@link SingleWriterRecorder}; readers collect the interval histograms of all of them.
 */
final class LatencyRecorder {
    private final List<SingleWriterRecorder> recorders = new CopyOnWriteArrayList<>();
    private final ThreadLocal<SingleWriterRecorder> local = ThreadLocal.withInitial(() -> {
        SingleWriterRecorder r = new SingleWriterRecorder(3);
        recorders.add(r);
        return r;
    });

    void record(long value) {
        local.get().recordValue(value);
    }

    /** Everything recorded since the previous call, from all threads. */
    Histogram interval() {
        Histogram sum = new Histogram(3);
        for (SingleWriterRecorder r : recorders) {
            sum.add(r.getIntervalHistogram());
        }
        return sum;
    }
}
