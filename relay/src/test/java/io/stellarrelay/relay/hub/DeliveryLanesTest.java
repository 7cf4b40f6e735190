package io.stellarrelay.relay.hub;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("DeliveryLanes")
class DeliveryLanesTest {

    @Test
    @DisplayName("reports the tasks waiting behind a busy writer, and none once it has caught up")
    void reportsQueuedTasks() throws Exception {
        try (DeliveryLanes lanes = DeliveryLanes.threads(2, 16)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            lanes.execute(0, () -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertTrue(running.await(5, TimeUnit.SECONDS), "the first task runs");
                for (int i = 0; i < 3; i++) {
                    lanes.execute(0, () -> { });
                }
                lanes.execute(1, () -> { }); // an idle lane runs its task at once
                await().atMost(Duration.ofSeconds(5)).until(() -> lanes.queued() == 3);
            } finally {
                release.countDown(); // never leave the lane blocked, whatever failed above
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> lanes.queued() == 0);
        }
        assertEquals(0, DeliveryLanes.inline().queued());
    }
}
