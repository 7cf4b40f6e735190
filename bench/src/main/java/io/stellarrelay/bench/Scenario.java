package io.stellarrelay.bench;

import picocli.CommandLine.Mixin;

import java.util.Map;
import java.util.concurrent.Callable;

/** A scenario: checks and records its options, then runs inside a {@link BenchRun} that owns and cleans up everything it starts. */
abstract class Scenario implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    abstract String name();

    /** Rejects options out of range with an IllegalArgumentException, before anything is started. */
    abstract void check();

    /** The options as the report's {@code options} records them. */
    abstract Map<String, Object> options();

    /** What the scenario starts, measures and reports, its options checked and recorded. */
    abstract void run(BenchRun run) throws Exception;

    /** One run, cleaned up at the end; returns its report (with {@code results}). */
    Map<String, Object> execute() throws Exception {
        try (BenchRun run = new BenchRun(name(), common)) {
            System.out.println("== stellar-bench " + name() + " against " + common.target.wire() + " (run " + run.runId + ")");
            check();
            run.report.put("options", options());
            run(run);
            return run.report;
        }
    }

    @Override
    public Integer call() {
        try {
            execute();
            return 0;
        } catch (Exception e) {
            System.err.println("stellar-bench " + name() + " failed: " + e);
            e.printStackTrace(System.err);
            return 1;
        }
    }
}
