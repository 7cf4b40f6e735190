package io.stellarrelay.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact percentiles of a small set of samples (one per client: connect, auth, subscribe, first sync),
 * by the nearest-rank method: the p-th percentile is the smallest sample such that at least p % of the
 * samples are less than or equal to it. Samples are nanoseconds; results are reported in milliseconds.
 */
public final class Percentiles {
    /** The percentiles every summary shows. */
    public static final double[] STANDARD = {50, 90, 99, 99.9, 100};

    private final long[] sorted;

    private Percentiles(long[] sorted) {
        this.sorted = sorted;
    }

    /** Copies and sorts {@code samples}; negative values (a phase a client never reached) are left out. */
    public static Percentiles of(long[] samples) {
        long[] kept = Arrays.stream(samples).filter(v -> v >= 0).toArray();
        Arrays.sort(kept);
        return new Percentiles(kept);
    }

    public int count() {
        return sorted.length;
    }

    /** The nearest-rank percentile {@code p} (0 < p <= 100); 0 for p <= 0 gives the minimum. Empty: -1. */
    public long value(double p) {
        if (sorted.length == 0) {
            return -1;
        }
        if (p <= 0) {
            return sorted[0];
        }
        long rank = (long) Math.ceil(p / 100.0 * sorted.length);
        int index = (int) Math.min(sorted.length - 1, Math.max(0, rank - 1));
        return sorted[index];
    }

    public long min() {
        return value(0);
    }

    public long max() {
        return value(100);
    }

    public double mean() {
        if (sorted.length == 0) {
            return -1;
        }
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        return sum / sorted.length;
    }

    /** {count, min, mean, p50, p90, p99, p99.9, max} in milliseconds, for the JSON report. */
    public Map<String, Object> toMillisMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count());
        m.put("minMs", ms(min()));
        m.put("meanMs", sorted.length == 0 ? null : round(mean() / 1e6));
        for (double p : STANDARD) {
            m.put(label(p) + "Ms", ms(value(p)));
        }
        return m;
    }

    /** "p50=1.2 p90=3.4 p99=5.6 p99.9=7.8 max=9.0 ms (n=500)". */
    public String summary() {
        if (sorted.length == 0) {
            return "no samples";
        }
        StringBuilder sb = new StringBuilder();
        for (double p : STANDARD) {
            sb.append(label(p)).append('=').append(format(value(p) / 1e6)).append(' ');
        }
        return sb.append("ms (n=").append(count()).append(')').toString();
    }

    /** The samples in ascending order (for CDF charts); not a copy, do not modify. */
    long[] sortedValues() {
        return sorted;
    }

    static String label(double p) {
        if (p >= 100) {
            return "max";
        }
        return p == Math.rint(p) ? "p" + (long) p : "p" + p;
    }

    private static Double ms(long nanos) {
        return nanos < 0 ? null : round(nanos / 1e6);
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    static String format(double v) {
        if (v >= 100) {
            return String.format(java.util.Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(java.util.Locale.ROOT, "%.1f", v);
        }
        return String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
