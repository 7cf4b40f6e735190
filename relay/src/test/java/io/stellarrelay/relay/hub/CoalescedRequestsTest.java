package io.stellarrelay.relay.hub;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoalescedRequestsTest {
    private final BlockingQueue<List<Integer>> batches = new LinkedBlockingQueue<>();
    private final BlockingQueue<RuntimeException> failures = new LinkedBlockingQueue<>();

    private List<Integer> nextBatch() throws InterruptedException {
        List<Integer> batch = batches.poll(10, TimeUnit.SECONDS);
        assertTrue(batch != null, "a batch was sent");
        return batch;
    }

    @Test
    @DisplayName("a lone request goes out at once, requests made while a batch is sent go out together, in order")
    void coalescesWhileSending() throws Exception {
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CoalescedRequests<Integer> requests = new CoalescedRequests<>("test-requests", 1000, batch -> {
            if (batch.contains(0)) {
                firstEntered.countDown();
                await(release);
            }
            batches.add(batch);
        }, failures::add);

        requests.add(0);
        assertTrue(firstEntered.await(10, TimeUnit.SECONDS), "the first request was sent without waiting for more");
        IntStream.rangeClosed(1, 300).forEach(requests::add); // made while the first batch is out
        release.countDown();

        assertEquals(List.of(0), nextBatch());
        assertEquals(IntStream.rangeClosed(1, 300).boxed().toList(), nextBatch(), "one batch, in order");
        assertTrue(batches.isEmpty());
    }

    @Test
    @DisplayName("batches hold at most maxBatch requests")
    void boundedBatches() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CoalescedRequests<Integer> requests = new CoalescedRequests<>("test-requests", 100, batch -> {
            if (batch.contains(0)) {
                await(release);
            }
            batches.add(batch);
        }, failures::add);
        requests.add(0);
        IntStream.rangeClosed(1, 250).forEach(requests::add);
        release.countDown();

        List<Integer> all = new ArrayList<>();
        while (all.size() < 251) {
            List<Integer> batch = nextBatch();
            assertTrue(batch.size() <= 100, "batch of " + batch.size());
            all.addAll(batch);
        }
        assertEquals(IntStream.rangeClosed(0, 250).boxed().toList(), all);
    }

    @Test
    @DisplayName("a failed batch is reported and dropped, and later requests still go out")
    void failureDropsTheBatchOnly() throws Exception {
        CoalescedRequests<Integer> requests = new CoalescedRequests<>("test-requests", 1000, batch -> {
            if (batch.contains(1)) {
                throw new IllegalStateException("Redis refused");
            }
            batches.add(batch);
        }, failures::add);
        requests.add(1);
        RuntimeException failure = failures.poll(10, TimeUnit.SECONDS);
        assertTrue(failure != null && "Redis refused".equals(failure.getMessage()));
        requests.add(2);
        assertEquals(List.of(2), nextBatch());
    }

    @Test
    @DisplayName("a sender that died of an Error does not keep later requests from going out")
    void errorDoesNotStopLaterRequests() throws Exception {
        CountDownLatch died = new CountDownLatch(1);
        CoalescedRequests<Integer> requests = new CoalescedRequests<>("test-requests", 1000, batch -> {
            if (batch.contains(1)) {
                died.countDown();
                throw new AssertionError("as a StackOverflowError would");
            }
            batches.add(batch);
        }, failures::add);
        Thread.UncaughtExceptionHandler quiet = (thread, error) -> { };
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(quiet);
        try {
            requests.add(1);
            assertTrue(died.await(10, TimeUnit.SECONDS));
            requests.add(2);
            assertEquals(List.of(2), nextBatch());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
