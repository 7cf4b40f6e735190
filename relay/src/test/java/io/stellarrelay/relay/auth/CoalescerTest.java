package io.stellarrelay.relay.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Coalescer")
class CoalescerTest {

    /** Answers "v:" + key for keys starting with "k", records each call, and can be held on a latch. */
    private static final class Loader implements Coalescer.Loader<String, String> {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch firstCallStarted = new CountDownLatch(1);
        final AtomicBoolean hold = new AtomicBoolean();
        final AtomicBoolean fail = new AtomicBoolean();

        @Override
        public Map<String, String> load(Collection<String> keys) throws StoreUnavailableException {
            calls.add(List.copyOf(keys));
            firstCallStarted.countDown();
            if (hold.get()) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fail.get()) {
                throw new StoreUnavailableException("down", new SQLException("connection refused"));
            }
            Map<String, String> answers = new HashMap<>();
            keys.stream().filter(k -> k.startsWith("k")).forEach(k -> answers.put(k, "v:" + k));
            return answers;
        }
    }

    @Test
    @DisplayName("a lone lookup is loaded at once, alone; unknown keys answer null")
    void loneLookup() throws Exception {
        Loader loader = new Loader();
        Coalescer<String, String> coalescer = new Coalescer<>(loader, 10, 2);
        assertEquals("v:k1", coalescer.get("k1"));
        assertNull(coalescer.get("missing"));
        assertEquals(List.of(List.of("k1"), List.of("missing")), loader.calls);
    }

    @Test
    @DisplayName("lookups arriving while a load runs are answered together, at most maxBatch per load")
    void lookupsDuringALoadShareTheNext() throws Exception {
        Loader loader = new Loader();
        loader.hold.set(true);
        Coalescer<String, String> coalescer = new Coalescer<>(loader, 20, 1);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<String>> answers = new ArrayList<>();
            answers.add(clients.submit(() -> coalescer.get("k0")));
            assertTrue(loader.firstCallStarted.await(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 50; i++) {
                String key = "k" + i;
                answers.add(clients.submit(() -> coalescer.get(key)));
            }
            answers.add(clients.submit(() -> coalescer.get("k7"))); // the same key twice: one answer
            await().atMost(Duration.ofSeconds(10)).until(() -> coalescer.waiting() == 50);
            loader.release.countDown();
            for (int i = 0; i <= 50; i++) {
                assertEquals("v:k" + i, answers.get(i).get(10, TimeUnit.SECONDS));
            }
            assertEquals("v:k7", answers.get(51).get(10, TimeUnit.SECONDS));
            // One load for k0, then the 50 waiting keys in loads of at most 20.
            assertEquals(List.of(1, 20, 20, 10), loader.calls.stream().map(List::size).toList());
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    @DisplayName("a failed load fails every lookup it carried; the next lookups load again")
    void failureReachesEveryWaiter() throws Exception {
        Loader loader = new Loader();
        loader.fail.set(true);
        Coalescer<String, String> coalescer = new Coalescer<>(loader, 10, 1);
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> coalescer.get("k1"));
        assertEquals("down", e.getMessage());
        loader.fail.set(false);
        assertEquals("v:k1", coalescer.get("k1"));
        assertEquals(0, coalescer.waiting());
    }
}
