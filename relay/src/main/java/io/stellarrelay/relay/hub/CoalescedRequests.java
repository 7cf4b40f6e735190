package io.stellarrelay.relay.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Sends fire-and-forget requests in batches without making anyone wait: the first request starts a
 * sender at once (a lone request costs no delay), and whatever arrives while it sends goes out in its
 * next batch, up to {@code maxBatch} at a time. In a storm of reconnecting clients thousands of single
 * requests become a few dozen round trips, and no client's handshake waits for one.
 *
 * <p>Requests keep their order. A batch that fails is handed to {@code onFailure} and dropped: these
 * requests are optimisations that the poller's next tick makes good.
 */
final class CoalescedRequests<T> {
    private final Consumer<List<T>> send;
    private final Consumer<RuntimeException> onFailure;
    private final int maxBatch;
    private final String threadName;
    private final ConcurrentLinkedQueue<T> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    CoalescedRequests(String threadName, int maxBatch, Consumer<List<T>> send, Consumer<RuntimeException> onFailure) {
        this.threadName = threadName;
        this.maxBatch = maxBatch;
        this.send = send;
        this.onFailure = onFailure;
    }

    void add(T request) {
        queued.add(request);
        startSenderIfIdle();
    }

    private void startSenderIfIdle() {
        if (sending.compareAndSet(false, true)) {
            Thread.ofVirtual().name(threadName).start(this::sendWhileQueued);
        }
    }

    private void sendWhileQueued() {
        try {
            while (true) {
                List<T> batch = new ArrayList<>();
                for (T next; batch.size() < maxBatch && (next = queued.poll()) != null; ) {
                    batch.add(next);
                }
                if (batch.isEmpty()) {
                    return;
                }
                try {
                    send.accept(batch);
                } catch (RuntimeException e) {
                    onFailure.accept(e);
                }
            }
        } finally {
            // Also after an Error. A request added between the last poll and here found this sender
            // still running: it needs another.
            sending.set(false);
            if (!queued.isEmpty()) {
                startSenderIfIdle();
            }
        }
    }
}
