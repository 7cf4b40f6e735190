package io.stellarrelay.relay.broker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Backoff")
class BackoffTest {
    private static void assertBetween(long low, long high, long actual) {
        assertTrue(actual >= low && actual <= high, () -> actual + " not in [" + low + ", " + high + "]");
    }

    @Test
    @DisplayName("each wait lies between half the step and the step, and the step doubles up to the cap")
    void doublesWithJitterUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(700));
        long[] steps = {100, 200, 400, 700, 700, 700};
        for (long step : steps) {
            assertBetween(step / 2, step, backoff.nextMillis());
        }
    }

    @Test
    @DisplayName("after a reset the next wait is from the first step again")
    void resetStartsOver() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        for (int i = 0; i < 10; i++) {
            backoff.nextMillis();
        }
        backoff.reset();
        assertBetween(50, 100, backoff.nextMillis());
    }

    @Test
    @DisplayName("waits are jittered, not the same every time")
    void jittered() {
        long first = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1000)).nextMillis();
        Backoff backoff = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1000));
        boolean differs = false;
        for (int i = 0; i < 200 && !differs; i++) {
            differs = backoff.nextMillis() != first;
        }
        assertTrue(differs, "200 waits drawn from 501 values were all " + first);
    }

    @Test
    @DisplayName("a first step of zero or a cap below it is refused")
    void refusesBadBounds() {
        assertAll(
                () -> assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))),
                () -> assertThrows(IllegalArgumentException.class,
                        () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))));
    }
}
