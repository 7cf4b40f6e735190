package io.stellarrelay.relay.hub;

import io.stellarrelay.relay.websocket.Frames;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Hub")
class HubTest {

    /** Keeps every server id it is told about, in order. */
    private static final class RecordingListener implements Hub.Listener {
        final List<String> changes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void watchChanged(String serverId) {
            changes.add(serverId);
        }
    }

    private final Hub hub = new Hub();
    private final RecordingListener listener = new RecordingListener();

    {
        hub.addListener(listener);
    }

    private static ByteBuffer frame(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("counts each socket and server pair once, however often it is watched or unwatched")
    void countsSubscriptions() {
        RecordingWatcher a = new RecordingWatcher();
        RecordingWatcher b = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.watch("srv_1", a);
        hub.watch("srv_1", b);
        hub.watch("srv_2", a);
        assertEquals(3, hub.subscriptionCount());

        hub.unwatch("srv_1", a);
        hub.unwatch("srv_1", a);
        hub.unwatch("srv_3", b);
        assertEquals(2, hub.subscriptionCount());
        hub.unwatch("srv_1", b);
        hub.unwatch("srv_2", a);
        assertEquals(0, hub.subscriptionCount());
    }

    @Test
    @DisplayName("tells listeners once when a server gains its first watcher, not when a second one joins")
    void notifiesOnFirstWatcherOnly() {
        hub.watch("srv_1", new RecordingWatcher());
        assertEquals(List.of("srv_1"), listener.changes);

        hub.watch("srv_1", new RecordingWatcher());
        assertEquals(List.of("srv_1"), listener.changes);
        assertTrue(hub.isWatched("srv_1"));
    }

    @Test
    @DisplayName("tells listeners once when the last watcher leaves, not when an earlier one does")
    void notifiesOnLastWatcherLeavingOnly() {
        RecordingWatcher a = new RecordingWatcher();
        RecordingWatcher b = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.watch("srv_1", b);

        hub.unwatch("srv_1", a);
        assertEquals(List.of("srv_1"), listener.changes, "one watcher is still there");
        assertTrue(hub.isWatched("srv_1"));

        hub.unwatch("srv_1", b);
        assertEquals(List.of("srv_1", "srv_1"), listener.changes);
        assertFalse(hub.isWatched("srv_1"));
    }

    @Test
    @DisplayName("treats watching twice and unwatching twice as once")
    void doubleWatchAndUnwatchNotifyOnce() {
        RecordingWatcher a = new RecordingWatcher();

        hub.watch("srv_1", a);
        hub.watch("srv_1", a);
        assertEquals(1, hub.deliver("srv_1", frame("x")), "the same watcher is kept once");
        assertEquals(List.of("srv_1"), listener.changes);

        hub.unwatch("srv_1", a);
        hub.unwatch("srv_1", a);
        assertEquals(List.of("srv_1", "srv_1"), listener.changes);
        assertFalse(hub.isWatched("srv_1"));
    }

    @Test
    @DisplayName("tells every listener it has")
    void notifiesEveryListener() {
        RecordingListener second = new RecordingListener();
        hub.addListener(second);

        hub.watch("srv_1", new RecordingWatcher());

        assertEquals(List.of("srv_1"), listener.changes);
        assertEquals(List.of("srv_1"), second.changes);
    }

    @Test
    @DisplayName("delivers a frame to exactly the watchers of its server and returns how many there were")
    void deliversToTheServersWatchersOnly() {
        RecordingWatcher a = new RecordingWatcher();
        RecordingWatcher b = new RecordingWatcher();
        RecordingWatcher other = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.watch("srv_1", b);
        hub.watch("srv_2", other);

        assertEquals(2, hub.deliver("srv_1", frame("{\"type\":\"server:sync\",\"serverId\":\"srv_1\"}")));

        assertEquals(List.of("{\"type\":\"server:sync\",\"serverId\":\"srv_1\"}"), a.texts);
        assertEquals(List.of("{\"type\":\"server:sync\",\"serverId\":\"srv_1\"}"), b.texts);
        assertTrue(other.frames.isEmpty());
    }

    @Test
    @DisplayName("keeps the last frame delivered as a sync as the server's latest state, and only that")
    void keepsTheLatestSync() {
        hub.watch("srv_1", new RecordingWatcher());
        ByteBuffer sync = frame("{\"type\":\"server:sync\",\"serverId\":\"srv_1\"}");
        hub.deliver("srv_1", sync, true);
        hub.deliver("srv_1", frame("{\"type\":\"server:status\",\"serverId\":\"srv_1\"}"));
        assertEquals(Frames.text(sync), hub.latest("srv_1"), "the sync, framed");
        assertNull(hub.latest("srv_2"), "nothing for a server never delivered");
        assertEquals(0, hub.deliver("srv_2", frame("x"), true));
        assertNull(hub.latest("srv_2"), "nothing kept for a server nobody watches");
    }

    @Test
    @DisplayName("delivers nothing and returns 0 for a server nobody watches")
    void deliversNothingToUnwatchedServer() {
        RecordingWatcher a = new RecordingWatcher();
        hub.watch("srv_1", a);

        assertEquals(0, hub.deliver("srv_9", frame("x")));
        assertTrue(a.frames.isEmpty());
    }

    @Test
    @DisplayName("stops delivering to a watcher once it unwatches")
    void stopsDeliveringAfterUnwatch() {
        RecordingWatcher a = new RecordingWatcher();
        RecordingWatcher b = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.watch("srv_1", b);
        hub.unwatch("srv_1", a);

        assertEquals(1, hub.deliver("srv_1", frame("after")));
        assertTrue(a.frames.isEmpty());
        assertEquals(List.of("after"), b.texts);
    }

    @Test
    @DisplayName("frames a message once and hands every watcher the whole frame, leaving the message as it was")
    void sharesOneFrameWithoutConsumingIt() {
        List<RecordingWatcher> watchers = List.of(new RecordingWatcher(), new RecordingWatcher(), new RecordingWatcher());
        watchers.forEach(w -> hub.watch("srv_1", w));
        String text = "{\"type\":\"server:sync\",\"serverId\":\"srv_1\",\"data\":{\"name\":\"Grüße\"}}";
        ByteBuffer shared = frame(text);
        int size = shared.remaining();

        assertEquals(3, hub.deliver("srv_1", shared));

        for (RecordingWatcher w : watchers) {
            assertEquals(Frames.text(shared), w.frames.get(0), "header and payload, whole for every watcher");
            assertEquals(List.of(text), w.texts);
        }
        assertEquals(0, shared.position());
        assertEquals(size, shared.remaining());
    }

    @Test
    @DisplayName("ignores an unwatch by a watcher that is not watching, or of a server nobody watches")
    void unwatchOfNonWatcherIsHarmless() {
        RecordingWatcher a = new RecordingWatcher();
        hub.watch("srv_1", a);

        hub.unwatch("srv_1", new RecordingWatcher());
        hub.unwatch("srv_2", a);

        assertEquals(List.of("srv_1"), listener.changes);
        assertEquals(Set.of("srv_1"), hub.watchedServers());
        assertEquals(1, hub.deliver("srv_1", frame("still here")));
        assertEquals(List.of("still here"), a.texts);
    }

    @Test
    @DisplayName("gives a snapshot of the watched servers that later changes do not affect")
    void watchedServersIsASnapshot() {
        RecordingWatcher a = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.watch("srv_2", a);

        Set<String> snapshot = hub.watchedServers();
        hub.watch("srv_3", a);
        hub.unwatch("srv_1", a);

        assertEquals(Set.of("srv_1", "srv_2"), snapshot);
        assertEquals(Set.of("srv_2", "srv_3"), hub.watchedServers());
        assertEquals(2, hub.watchedServerCount());
        assertThrows(UnsupportedOperationException.class, () -> snapshot.add("srv_4"));
    }

    @Test
    @DisplayName("ends consistent after many threads watch and unwatch at once")
    void staysConsistentUnderConcurrentWatchAndUnwatch() throws Exception {
        int threadCount = 8;
        int serverCount = 16;
        int rounds = 500;
        Map<String, AtomicInteger> notifications = new ConcurrentHashMap<>();
        hub.addListener(id -> notifications.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet());

        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<RecordingWatcher> watchers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            RecordingWatcher watcher = new RecordingWatcher();
            watchers.add(watcher);
            int self = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        for (int s = 0; s < serverCount; s++) {
                            hub.watch("srv_" + s, watcher);
                            hub.deliver("srv_" + s, frame("x"));
                        }
                        for (int s = 0; s < serverCount; s++) {
                            hub.unwatch("srv_" + s, watcher);
                        }
                    }
                    // Thread t ends watching the servers s with s % threadCount <= t.
                    for (int s = 0; s < serverCount; s++) {
                        if (s % threadCount <= self) {
                            hub.watch("srv_" + s, watcher);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "hub-test-" + t);
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(java.time.Duration.ofSeconds(30));
        }
        assertNull(failure.get(), () -> "a worker failed: " + failure.get());

        Map<String, Integer> expectedWatchers = new HashMap<>();
        for (int s = 0; s < serverCount; s++) {
            expectedWatchers.put("srv_" + s, threadCount - s % threadCount);
        }
        assertEquals(expectedWatchers.keySet(), hub.watchedServers());
        for (Map.Entry<String, Integer> e : expectedWatchers.entrySet()) {
            assertEquals(e.getValue(), hub.deliver(e.getKey(), frame("final")), e.getKey());
            // Every change between "watched" and "not watched" is reported once: a server that ends watched
            // has seen one more gain than loss, hence an odd number of notifications.
            int told = notifications.get(e.getKey()).get();
            assertEquals(1, told % 2, e.getKey() + " was reported " + told + " times");
        }
        for (int t = 0; t < threadCount; t++) {
            int self = t;
            long expectedFinals = expectedWatchers.keySet().stream()
                    .filter(id -> Integer.parseInt(id.substring(4)) % threadCount <= self).count();
            assertEquals(expectedFinals, watchers.get(t).texts.stream().filter("final"::equals).count());
        }
    }

    /** A hub that keeps servers 10 s after their last watcher, on a clock the test moves. */
    private static final class LingeringHub {
        final AtomicLong now = new AtomicLong(1_000);
        final Hub hub = new Hub(DeliveryLanes.inline(), Duration.ofSeconds(10), now::get);
        final RecordingListener listener = new RecordingListener();

        LingeringHub() {
            hub.addListener(listener);
        }

        void advanceSeconds(long seconds) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
        }
    }

    @Test
    @DisplayName("with linger, a server whose last watcher left stays watched, with its latest sync and no "
            + "listener told, until its time is up; then it goes as without linger")
    void lingersThenExpires() {
        LingeringHub h = new LingeringHub();
        RecordingWatcher a = new RecordingWatcher();
        h.hub.watch("srv_1", a);
        h.hub.deliver("srv_1", frame("sync-1"), true);
        h.hub.unwatch("srv_1", a);

        assertTrue(h.hub.isWatched("srv_1"));
        assertEquals(Set.of("srv_1"), h.hub.watchedServers());
        assertEquals(0, h.hub.watcherCount("srv_1"));
        assertEquals(1, h.hub.lingeringServerCount());
        assertEquals(List.of("srv_1"), h.listener.changes, "only the first watch was told");
        assertEquals(Frames.text(frame("sync-1")), h.hub.latest("srv_1"));
        assertEquals(0, h.hub.deliver("srv_1", frame("sync-2"), true), "nobody to deliver to");
        assertEquals(Frames.text(frame("sync-2")), h.hub.latest("srv_1"), "the kept sync stays current");

        h.advanceSeconds(9);
        h.hub.expireLingering();
        assertTrue(h.hub.isWatched("srv_1"), "not yet");

        h.advanceSeconds(1);
        h.hub.expireLingering();
        assertFalse(h.hub.isWatched("srv_1"));
        assertNull(h.hub.latest("srv_1"));
        assertEquals(0, h.hub.lingeringServerCount());
        assertEquals(List.of("srv_1", "srv_1"), h.listener.changes, "the last watcher's leaving is told now");
    }

    @Test
    @DisplayName("with linger, a watcher coming back in time finds the server as it was: nothing told, the "
            + "latest sync kept, and it no longer expires")
    void comingBackCancelsTheLinger() {
        LingeringHub h = new LingeringHub();
        RecordingWatcher a = new RecordingWatcher();
        RecordingWatcher back = new RecordingWatcher();
        h.hub.watch("srv_1", a);
        h.hub.deliver("srv_1", frame("sync-1"), true);
        h.hub.unwatch("srv_1", a);
        h.advanceSeconds(5);

        h.hub.watch("srv_1", back);
        assertEquals(List.of("srv_1"), h.listener.changes, "no second first watcher");
        assertEquals(Frames.text(frame("sync-1")), h.hub.latest("srv_1"));
        assertEquals(0, h.hub.lingeringServerCount());
        assertEquals(1, h.hub.deliver("srv_1", frame("x")));

        h.advanceSeconds(60);
        h.hub.expireLingering();
        assertTrue(h.hub.isWatched("srv_1"), "watched again, so never expired");
        assertEquals(1, h.hub.watcherCount("srv_1"));

        // Leaving again starts a new linger from that moment.
        h.hub.unwatch("srv_1", back);
        h.advanceSeconds(9);
        h.hub.expireLingering();
        assertTrue(h.hub.isWatched("srv_1"));
        h.advanceSeconds(1);
        h.hub.expireLingering();
        assertFalse(h.hub.isWatched("srv_1"));
        assertEquals(List.of("srv_1", "srv_1"), h.listener.changes);
    }

    @Test
    @DisplayName("without linger, nothing is ever left to expire")
    void noLingerByDefault() {
        RecordingWatcher a = new RecordingWatcher();
        hub.watch("srv_1", a);
        hub.unwatch("srv_1", a);
        assertEquals(0, hub.lingeringServerCount());
        assertFalse(hub.isWatched("srv_1"));
        hub.expireLingering();
        assertEquals(List.of("srv_1", "srv_1"), listener.changes);
    }
}
