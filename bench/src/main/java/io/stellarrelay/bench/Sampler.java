package io.stellarrelay.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Samples the relay's CPU and RSS (from /proc), the generator's own CPU, and scenario counters at a
 * fixed interval on one daemon thread, for the time series in the report and the chart. Bounded: it
 * stops when closed or after {@code maxSamples}.
 */
final class Sampler implements AutoCloseable {
    record Sample(double t, double relayCpuSeconds, double relayRssMiB, int relayThreads, int relayOpenFiles,
                  double benchCpuSeconds, double machineBusySeconds, Map<String, Long> counters) {}

    private final RelayProcess relay;
    private final long intervalMs;
    private final int maxSamples;
    private final Map<String, LongSupplier> counters = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    Sampler(RelayProcess relay, long intervalMs, int maxSamples) {
        this.relay = relay;
        this.intervalMs = intervalMs;
        this.maxSamples = maxSamples;
        this.thread = Thread.ofPlatform().name("bench-sampler").daemon().unstarted(this::run);
    }

    Sampler counter(String name, LongSupplier value) {
        counters.put(name, value);
        return this;
    }

    Sampler start() {
        sample();
        thread.start();
        return this;
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            next += intervalMs * 1_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (!running) {
                return;
            }
            synchronized (samples) {
                if (samples.size() >= maxSamples) {
                    return;
                }
            }
            sample();
        }
    }

    Sample sample() {
        double t = (System.nanoTime() - start) / 1e9;
        double relayCpu = -1;
        double rss = -1;
        int threads = -1;
        int fds = -1;
        if (relay != null && relay.isAlive()) {
            try {
                ProcStats s = relay.stats();
                relayCpu = s.cpuSeconds();
                rss = s.rssMiB();
                threads = s.threads();
                fds = s.openFiles();
            } catch (RuntimeException e) {
                // the relay just exited; leave -1
            }
        }
        Map<String, Long> values = new LinkedHashMap<>();
        counters.forEach((k, v) -> values.put(k, v.getAsLong()));
        Sample s = new Sample(t, relayCpu, rss, threads, fds, benchCpuSeconds(), ProcStats.machineBusySeconds(), values);
        synchronized (samples) {
            samples.add(s);
        }
        return s;
    }

    /** Seconds since this sampler was made. */
    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    static double benchCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return -1;
    }

    /** The samples as JSON-ready maps, with per-interval rates of every counter and of relay CPU. */
    List<Map<String, Object>> toJson() {
        List<Sample> list = samples();
        List<Map<String, Object>> out = new ArrayList<>();
        Sample prev = null;
        for (Sample s : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("t", Percentiles.round(s.t()));
            m.put("relayCpuSeconds", Percentiles.round(s.relayCpuSeconds()));
            m.put("relayRssMiB", Percentiles.round(s.relayRssMiB()));
            m.put("relayThreads", s.relayThreads());
            m.put("relayOpenFiles", s.relayOpenFiles());
            m.put("benchCpuSeconds", Percentiles.round(s.benchCpuSeconds()));
            // A rate over a sliver of time (the extra sample at the end of a phase) is noise: skip it.
            boolean rates = prev != null && (s.t() - prev.t()) * 1000 >= intervalMs / 2.0;
            if (rates) {
                double dt = s.t() - prev.t();
                m.put("relayCpuPercent", Percentiles.round(100 * (s.relayCpuSeconds() - prev.relayCpuSeconds()) / dt));
                m.put("benchCpuPercent", Percentiles.round(100 * (s.benchCpuSeconds() - prev.benchCpuSeconds()) / dt));
                // Everything on the machine (all cores; 100 = one core busy): relay, generator, Redis,
                // PostgreSQL, the kernel's network work, and anything else running here.
                m.put("machineCpuPercent", Percentiles.round(100 * (s.machineBusySeconds() - prev.machineBusySeconds()) / dt));
            }
            for (var e : s.counters().entrySet()) {
                m.put(e.getKey(), e.getValue());
                if (rates && prev.counters().containsKey(e.getKey())) {
                    double dt = s.t() - prev.t();
                    m.put(e.getKey() + "PerSecond", Math.round((e.getValue() - prev.counters().get(e.getKey())) / dt));
                }
            }
            out.add(m);
            if (prev == null || rates) {
                prev = s;
            }
        }
        return out;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
