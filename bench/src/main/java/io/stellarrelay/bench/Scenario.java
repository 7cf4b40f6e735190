package io.stellarrelay.bench;

import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** A scenario: runs inside a {@link BenchRun} that owns and cleans up everything it starts. */
abstract class Scenario implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    abstract String name();

    abstract void run(BenchRun run) throws Exception;

    @Override
    public Integer call() {
        try (BenchRun run = new BenchRun(name(), common)) {
            System.out.println("== stellar-bench " + name() + " (run " + run.runId + ")");
            run(run);
            return 0;
        } catch (Exception e) {
            System.err.println("stellar-bench " + name() + " failed: " + e);
            e.printStackTrace(System.err);
            return 1;
        }
    }
}
