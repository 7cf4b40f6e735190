package io.stellarrelay.bench;

/** A load run's moments (System.nanoTime): it starts, the warm-up ends and measuring begins, it ends. */
record Timeline(long start, long measureFrom, long end) {
    static Timeline startingNow(int warmupSeconds, int measuredSeconds) {
        long start = System.nanoTime();
        long measureFrom = start + warmupSeconds * 1_000_000_000L;
        return new Timeline(start, measureFrom, measureFrom + measuredSeconds * 1_000_000_000L);
    }
}
