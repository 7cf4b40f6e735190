package io.stellarrelay.relay.hostile;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static io.stellarrelay.relay.hostile.Rules.LEAK_MARKERS;
import static io.stellarrelay.relay.hostile.Texts.head;
import static io.stellarrelay.relay.hostile.Texts.js;
import static io.stellarrelay.relay.hostile.Texts.preview;

/** Counts and examples; everything is thread-safe. */
final class Report {
    /** Stop early when this many frames went wrong: more examples add nothing and silent drops cost time. */
    private static final int ABORT_AFTER_PROBLEMS = 25;

    private final long seed;
    private final int published;
    private final int targetFrames;
    final Map<Category, LongAdder> frames = new ConcurrentHashMap<>();
    final AtomicLong hostileFrames = new AtomicLong();
    final LongAdder setupFrames = new LongAdder();
    final LongAdder connections = new LongAdder();
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    final Map<Verdict, LongAdder> verdicts = new ConcurrentHashMap<>();
    final LongAdder skippedAfterClose = new LongAdder();
    final LongAdder syncsToHostileOwners = new LongAdder();
    final LongAdder textsChecked = new LongAdder();
    final LongAdder unauthenticatedSubscribes = new LongAdder();
    final LongAdder strangerSubscribes = new LongAdder();
    final Queue<String> undocumented = new ConcurrentLinkedQueue<>();
    final Queue<String> deviations = new ConcurrentLinkedQueue<>();
    final Queue<String> leaks = new ConcurrentLinkedQueue<>();
    final Queue<String> violations = new ConcurrentLinkedQueue<>();
    final Queue<String> harnessErrors = new ConcurrentLinkedQueue<>();
    final Semaphore publishPermits = new Semaphore(0);
    private final AtomicLong permitsReleased = new AtomicLong();
    volatile long attackMillis;

    /**
     * @param published how many frames the watchers get during the attack, released as it progresses
     * @param targetFrames how many hostile frames the attack sends
     */
    Report(long seed, int published, int targetFrames) {
        this.seed = seed;
        this.published = published;
        this.targetFrames = targetFrames;
    }

    long framesOf(Category c) {
        LongAdder n = frames.get(c);
        return n == null ? 0 : n.sum();
    }

    void sent(Step step) {
        frames.computeIfAbsent(step.category(), k -> new LongAdder()).add(step.frames());
        long total = hostileFrames.addAndGet(step.frames());
        long due = Math.min(published, total * published / targetFrames);
        for (long released = permitsReleased.get(); released < due; released = permitsReleased.get()) {
            if (permitsReleased.compareAndSet(released, released + 1)) {
                publishPermits.release();
            }
        }
    }

    void outcome(String key) {
        outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    boolean tooManyProblems() {
        return undocumented.size() + deviations.size() + leaks.size() + violations.size()
                + harnessErrors.size() >= ABORT_AFTER_PROBLEMS;
    }

    String summary() {
        StringBuilder b = new StringBuilder("\n=== HostileInputIT summary (seed " + seed + ") ===\n");
        b.append(String.format("%,d hostile frames (+%,d setup auth frames) over %,d connections in %,d ms%n",
                hostileFrames.get(), setupFrames.sum(), connections.sum(), attackMillis));
        b.append("Frames sent by category:\n");
        for (Category c : Category.values()) {
            b.append(String.format("  %-26s %,7d%n", c, framesOf(c)));
        }
        b.append("Outcomes (replies by type and error, closes by code):\n");
        new TreeMap<>(outcomes).forEach((k, v) -> b.append(String.format("  %,7d  %s%n", v.sum(), k)));
        b.append(String.format("  %,7d  (not answered: sent after the relay had closed the connection)%n",
                skippedAfterClose.sum()));
        b.append(String.format("server:sync frames received by hostile owner sockets: %,d%n", syncsToHostileOwners.sum()));
        b.append("Verdicts: ");
        for (Verdict v : Verdict.values()) {
            LongAdder n = verdicts.get(v);
            b.append(v).append('=').append(n == null ? 0 : n.sum()).append("  ");
        }
        b.append(String.format("%nleaks=%d violations=%d harness errors=%d%n", leaks.size(), violations.size(),
                harnessErrors.size()));
        for (Map.Entry<String, Queue<String>> e : List.of(Map.entry("UNDOCUMENTED", undocumented),
                Map.entry("DEVIATIONS", deviations), Map.entry("LEAKS", leaks), Map.entry("VIOLATIONS", violations),
                Map.entry("HARNESS ERRORS", harnessErrors))) {
            if (!e.getValue().isEmpty()) {
                b.append(e.getKey()).append(":\n").append(head(e.getValue())).append('\n');
            }
        }
        return b.toString();
    }

/** Records a leak if a received text shows internals; returns it for chaining. */
String checked(String received) {
    textsChecked.increment();
    for (String marker : LEAK_MARKERS) {
        if (received.contains(marker)) {
            leaks.add("contains " + js(marker) + ": " + preview(received));
        }
    }
    return received;
}
}
