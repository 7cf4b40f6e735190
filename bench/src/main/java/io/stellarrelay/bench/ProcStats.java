package io.stellarrelay.bench;

import java.util.Map;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU and memory of a process, read from {@code /proc/PID/stat} and {@code /proc/PID/status} (Linux).
 * CPU is user + system time of all its threads; RSS is resident memory (VmRSS), HWM its peak (VmHWM).
 */
public record ProcStats(long pid, double cpuSeconds, long rssBytes, long hwmBytes, int threads, int openFiles) {

    /** Clock ticks per second of /proc/PID/stat times ({@code getconf CLK_TCK}; 100 on every Linux we know). */
    static final double CLOCK_TICKS = clockTicks();

    public static ProcStats read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) is in parentheses and may contain spaces: split after its end.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] is field 3 (state); utime and stime are fields 14 and 15.
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long rss = 0;
            long hwm = 0;
            int threads = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.substring(8).trim());
                }
            }
            int fds = -1;
            try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                fds = (int) s.count();
            } catch (IOException | SecurityException e) {
                // not ours to read; leave -1
            }
            return new ProcStats(pid, ticks / CLOCK_TICKS, rss, hwm, threads, fds);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + " (is the process alive? is this Linux?)", e);
        }
    }

    /**
     * CPU milliseconds used so far by each thread of a process, by thread name (the kernel keeps its first
     * 15 characters; digits become {@code #} so that pools sum up), read from {@code /proc/PID/task}.
     * Reading /proc does not touch the process: attaching {@code jcmd} to a relay paused it for a quarter
     * of a second, long enough to show in its latency.
     */
    public static Map<String, Double> threadCpuMillis(long pid) {
        Map<String, Double> byName = new java.util.LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("\\d+", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    double ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / CLOCK_TICKS;
                    byName.merge(name, ms, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/task", e);
        }
        return byName;
    }

    /**
     * CPU seconds of the given processes (e.g. the PostgreSQL backends serving the benchmark database),
     * -1 for none readable. A process that exited in between is missing from the sum.
     */
    public static double cpuSecondsOf(java.util.Collection<Long> pids) {
        double total = 0;
        boolean any = false;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
                any = true;
            } catch (IOException | RuntimeException e) {
                // exited, or PostgreSQL is not on this machine
            }
        }
        return any ? total : -1;
    }

    /** CPU seconds of each readable process among {@code pids}. */
    public static java.util.Map<Long, Double> cpuSecondsByPid(java.util.Collection<Long> pids) {
        java.util.Map<Long, Double> m = new java.util.HashMap<>();
        for (long pid : pids) {
            double v = cpuSecondsOf(java.util.List.of(pid));
            if (v >= 0) {
                m.put(pid, v);
            }
        }
        return m;
    }

    /** Busy CPU seconds of the whole machine, all cores together (/proc/stat: all but idle and iowait). */
    public static double machineBusySeconds() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return (total - idle) / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The 1-minute load average. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    public static ProcStats self() {
        return read(ProcessHandle.current().pid());
    }

    public double rssMiB() {
        return rssBytes / (1024.0 * 1024.0);
    }

    private static long kib(String line) {
        String digits = line.replaceAll("[^0-9]", "");
        return Long.parseLong(digits) * 1024;
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (Exception e) {
            return 100;
        }
    }
}
