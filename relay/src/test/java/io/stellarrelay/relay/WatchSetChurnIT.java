package io.stellarrelay.relay;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.broker.WatchRegistration;
import io.stellarrelay.relay.hub.DeliveryLanes;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.hub.Watcher;
import io.stellarrelay.relay.support.StderrCapture;
import io.stellarrelay.relay.support.WsTestClient;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's watch set in Redis under churn: many watchers adding and removing the same few servers
 * from several threads while frames are delivered to them. The set must end equal to what the hub
 * watches, kept so by the changes themselves: the self-healing rebuild, which checks the set against
 * what the relay wrote, must never have been needed.
 */
class WatchSetChurnIT {
    private static final int THREADS = 8;
    private static final int WATCHERS_PER_THREAD = 10;
    /** Few watchers per server: servers often gain their first or lose their last. */
    private static final int SERVERS = 100;
    private static final Duration CHURN = Duration.ofSeconds(5);
    /** A short lease: the set is checked against Redis every 500 ms (long enough for a loaded machine). */
    private static final Duration LEASE = Duration.ofSeconds(2);

    @Test
    @DisplayName("watchers subscribing and unsubscribing the same servers from 8 threads, with deliveries "
            + "running, leave the Redis set equal to the watched servers and never cause a rebuild")
    void churnNeverDrifts() throws Exception {
        try (TestRedis redis = TestRedis.create();
             RedisCommands commands = new RedisConnector(RedisSettings.parse(redis.url()), "churn-it").newCommands(4);
             DeliveryLanes lanes = DeliveryLanes.threads(2, 16_384);
             StderrCapture log = StderrCapture.start()) {
            Hub hub = new Hub(lanes);
            // Listeners run in order after the hub changed; this one stands for a thread preempted right
            // there (two cores, thousands of sockets), which is when the drift used to be seen.
            hub.addListener(id -> LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(500_000)));
            RedisNames names = new RedisNames(redis.prefix());
            String relayId = "churn-relay";
            String key = names.relayWatchKey(relayId);
            WatchRegistration registration = new WatchRegistration(hub, commands, names, relayId, LEASE);
            registration.start();
            LongAdder delivered = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            try {
                List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    tasks.add(pool.submit(() -> churn(hub, running, delivered)));
                }
                tasks.add(pool.submit(() -> deliver(hub, running)));
                await().pollDelay(CHURN).atMost(CHURN.plusSeconds(1)).until(() -> true);
                running.set(false);
                for (Future<?> task : tasks) {
                    task.get(30, TimeUnit.SECONDS);
                }
                assertTrue(delivered.sum() > 0, "frames reached watchers during the churn");
                Set<String> watched = hub.watchedServers();
                await().atMost(WsTestClient.WAIT).until(() -> redis.client().smembers(key).equals(watched));
                // And it stays so over several checks against Redis.
                await().during(LEASE.multipliedBy(2)).atMost(LEASE.multipliedBy(4))
                        .until(() -> redis.client().smembers(key).equals(watched));
            } finally {
                running.set(false);
                pool.shutdownNow();
                registration.close();
            }
            assertEquals(List.of(), log.matching("rebuilding it"), "the set never needed a rebuild");
        }
    }

    @Test
    @DisplayName("a server the hub already watches, whose listeners are not told yet, is not taken for a lost "
            + "set: checks against Redis meanwhile rebuild nothing, and the change lands when it is told")
    void checkBetweenChangeAndNotification() throws Exception {
        try (TestRedis redis = TestRedis.create();
             RedisCommands commands = new RedisConnector(RedisSettings.parse(redis.url()), "churn-it").newCommands(2);
             StderrCapture log = StderrCapture.start()) {
            Hub hub = new Hub();
            CountDownLatch release = new CountDownLatch(1);
            // Holds the thread that adds "held" between the hub's change and the registration's notification.
            hub.addListener(id -> {
                if (id.equals("held")) {
                    awaitQuietly(release);
                }
            });
            RedisNames names = new RedisNames(redis.prefix());
            String key = names.relayWatchKey("held-relay");
            WatchRegistration registration = new WatchRegistration(hub, commands, names, "held-relay", LEASE);
            registration.start();
            ExecutorService adder = Executors.newSingleThreadExecutor();
            try {
                hub.watch("first", frame -> { });
                await().atMost(WsTestClient.WAIT).until(() -> redis.client().smembers(key).equals(Set.of("first")));
                Future<?> held = adder.submit(() -> hub.watch("held", frame -> { }));
                await().atMost(WsTestClient.WAIT).until(() -> hub.watchedServerCount() == 2);
                // Two renewals of the lease are two checks of the set against Redis, while "held" is watched
                // and not yet told: the old check compared with the hub here and rebuilt the set.
                for (int check = 0; check < 2; check++) {
                    // A renewal shows as the expiry going up between two looks; comparing with one reading
                    // taken just after a renewal missed the next ones, whose expiry had already ticked below it.
                    AtomicLong previous = new AtomicLong(redis.client().pttl(key));
                    // Renewed every quarter lease; the bound leaves a loaded machine (a full build) plenty of slack.
                    await().atMost(LEASE.multipliedBy(4)).pollInterval(Duration.ofMillis(20))
                            .until(() -> {
                                long now = redis.client().pttl(key);
                                return now > previous.getAndSet(now);
                            });
                }
                release.countDown();
                held.get(10, TimeUnit.SECONDS);
                await().atMost(WsTestClient.WAIT)
                        .until(() -> redis.client().smembers(key).equals(Set.of("first", "held")));
            } finally {
                release.countDown();
                adder.shutdownNow();
                registration.close();
            }
            assertEquals(List.of(), log.matching("rebuilding it"), "the set never needed a rebuild");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One thread's watchers subscribe and unsubscribe random servers; each ends watching what it chose. */
    private static void churn(Hub hub, AtomicBoolean running, LongAdder delivered) {
        List<Watcher> watchers = new ArrayList<>();
        for (int i = 0; i < WATCHERS_PER_THREAD; i++) {
            watchers.add(frame -> delivered.increment());
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running.get()) {
            Watcher watcher = watchers.get(random.nextInt(watchers.size()));
            String server = "srv_" + random.nextInt(SERVERS);
            if (random.nextBoolean()) {
                hub.watch(server, watcher);
            } else {
                hub.unwatch(server, watcher);
            }
            // Sockets come and go in bursts with gaps between, not in one unbroken stream: the checks
            // against Redis run in those gaps, as they do on a relay.
            LockSupport.parkNanos(random.nextLong(2_000_000));
        }
    }

    private static void deliver(Hub hub, AtomicBoolean running) {
        ByteBuffer frame = ByteBuffer.wrap("{\"type\":\"server:stats\"}".getBytes(StandardCharsets.UTF_8));
        while (running.get()) {
            for (int i = 0; i < SERVERS; i++) {
                hub.deliver("srv_" + i, frame.asReadOnlyBuffer());
            }
            LockSupport.parkNanos(1_000_000); // busy lanes, not a CPU the mirror thread cannot get
        }
    }
}
