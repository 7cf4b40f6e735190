package io.stellarrelay.relay.hub;

import io.stellarrelay.relay.websocket.Cork;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The threads that write frames to sockets. A relay's fan-out is dominated by one socket write per
 * watcher per frame; doing all of them on the Redis reader thread caps a relay at one core. Watchers
 * are spread over a fixed number of lanes, each drained by one thread, and a watcher always stays in
 * the same lane, so the frames of one socket keep their order.
 *
 * <p>Each lane's queue is bounded: when the writers cannot keep up, the Redis reader waits for room,
 * which pushes back on Redis instead of letting the relay's heap grow without limit.
 */
public abstract sealed class DeliveryLanes implements AutoCloseable {

    /** How many lanes; a watcher's lane is chosen from {@code 0 .. count()-1}. */
    public abstract int count();

    /** Runs {@code task} on lane {@code lane}, after everything queued there before it. */
    public abstract void execute(int lane, Runnable task);

    /**
     * True when lane {@code lane} has nothing queued or running: a frame written by the caller now cannot
     * overtake one the lane still holds.
     */
    public abstract boolean isIdle(int lane);

    /** Tasks waiting in all lanes' queues right now (each is one frame for one lane's watchers of a server). */
    public abstract int queued();

    /** Lets queued tasks finish (bounded wait), then stops the threads. */
    @Override
    public abstract void close();

    /** The lane of a watcher: fixed for its lifetime. */
    int laneOf(Watcher watcher) {
        return Math.floorMod(System.identityHashCode(watcher.laneKey()), count());
    }

    /** One lane that runs every task on the calling thread: for unit tests and single-threaded use. */
    public static DeliveryLanes inline() {
        return new Inline();
    }

    /** {@code threads} lanes, each with a queue of at most {@code queueCapacity} pending tasks. */
    public static DeliveryLanes threads(int threads, int queueCapacity) {
        return new Threads(threads, queueCapacity);
    }

    private static final class Inline extends DeliveryLanes {
        @Override
        public int count() {
            return 1;
        }

        @Override
        public void execute(int lane, Runnable task) {
            task.run();
        }

        @Override
        public boolean isIdle(int lane) {
            return true;
        }

        @Override
        public int queued() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private static final class Threads extends DeliveryLanes {
        private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DeliveryLanes.class);
        private static final Runnable STOP = () -> { };
        /** Most frames a lane holds back while its queue stays non-empty. */
        private static final int MAX_HELD_FRAMES = 4_096;

        private final BlockingQueue<Runnable>[] queues;
        /** Per lane, tasks queued or running; each counter sits on its own cache line. */
        private final AtomicLongArray pending;
        private static final int STRIDE = 16;
        private final Thread[] threads;
        private volatile boolean closed;

        @SuppressWarnings("unchecked")
        Threads(int count, int queueCapacity) {
            if (count < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException("lanes and queue capacity must be at least 1");
            }
            queues = new BlockingQueue[count];
            pending = new AtomicLongArray(count * STRIDE);
            threads = new Thread[count];
            for (int i = 0; i < count; i++) {
                BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(queueCapacity);
                queues[i] = queue;
                int lane = i;
                threads[i] = Thread.ofPlatform().name("relay-delivery-" + i).daemon()
                        .start(() -> drain(queue, lane));
            }
        }

        @Override
        public int count() {
            return queues.length;
        }

        @Override
        public void execute(int lane, Runnable task) {
            if (closed) {
                return;
            }
            BlockingQueue<Runnable> queue = queues[lane];
            pending.incrementAndGet(lane * STRIDE);
            if (!queue.offer(task)) {
                // Full: the writers are behind. Waiting here slows the Redis reader, which is the point.
                try {
                    queue.put(task);
                } catch (InterruptedException e) {
                    pending.decrementAndGet(lane * STRIDE);
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public boolean isIdle(int lane) {
            return pending.get(lane * STRIDE) == 0;
        }

        @Override
        public int queued() {
            int n = 0;
            for (BlockingQueue<Runnable> queue : queues) {
                n += queue.size(); // takes each queue's lock briefly: fine at scrape time, never on delivery
            }
            return n;
        }

        /**
         * Runs the lane's tasks with the socket writes corked while tasks wait behind the current one:
         * frames for one socket from consecutive tasks go out in one write, flushed whenever the queue is
         * empty or the batch is large.
         */
        private void drain(BlockingQueue<Runnable> queue, int lane) {
            try (Cork cork = Cork.open(MAX_HELD_FRAMES)) {
                while (true) {
                    Runnable task = queue.poll();
                    if (task == null) {
                        cork.flush();
                        try {
                            task = queue.take();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (task == STOP) {
                        return;
                    }
                    cork.holding(!queue.isEmpty()); // hold only where a later task may add to the same write
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.warn("Delivery task failed", e);
                    } finally {
                        pending.decrementAndGet(lane * STRIDE);
                    }
                    cork.flushIfFull();
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            for (int i = 0; i < queues.length; i++) {
                if (!queues[i].offer(STOP)) {
                    threads[i].interrupt();
                }
            }
            for (Thread t : threads) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                t.interrupt();
            }
        }
    }
}
