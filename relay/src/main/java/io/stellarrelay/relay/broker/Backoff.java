package io.stellarrelay.relay.broker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The wait between two attempts against Redis: exponential, from {@code first} up to {@code cap}, each
 * wait drawn between half the step and the full step so that many relays do not retry in lockstep. The
 * cap is low so that work resumes within a couple of seconds of Redis answering again. One thread only.
 */
public final class Backoff {
    static final Duration FIRST = Duration.ofMillis(100);
    static final Duration CAP = Duration.ofSeconds(2);

    private final long firstMillis;
    private final long capMillis;
    private long stepMillis;

    public Backoff(Duration first, Duration cap) {
        if (first.toMillis() <= 0 || cap.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= cap, got " + first + " and " + cap);
        }
        this.firstMillis = first.toMillis();
        this.capMillis = cap.toMillis();
        this.stepMillis = firstMillis;
    }

    /** The usual one: 100 ms at first, at most 2 s. */
    public Backoff() {
        this(FIRST, CAP);
    }

    /** An attempt succeeded: the next failure starts again from the first, short step. */
    public void reset() {
        stepMillis = firstMillis;
    }

    /** How long to wait before the next attempt; each call doubles the step, up to the cap. */
    public long nextMillis() {
        long wait = stepMillis / 2 + ThreadLocalRandom.current().nextLong(stepMillis / 2 + 1);
        stepMillis = Math.min(stepMillis * 2, capMillis);
        return wait;
    }

    /** Waits {@link #nextMillis()}: a pause between retries, not a synchronisation. */
    public void pause() throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(nextMillis());
    }
}
