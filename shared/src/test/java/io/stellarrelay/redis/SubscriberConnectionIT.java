package io.stellarrelay.redis;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("SubscriberConnection")
class SubscriberConnectionIT {
    private static TestRedis redis;

    @BeforeAll
    static void start() {
        redis = TestRedis.create();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    /**
     * Reads {@code channel} on a thread of its own until it unsubscribes or the connection ends (then
     * {@code ended} holds why); returns once the subscription is confirmed.
     */
    private static Thread reading(SubscriberConnection connection, String channel,
                                  BiConsumer<JedisPubSub, String> onMessage, AtomicReference<Throwable> ended)
            throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(1);
        JedisPubSub pubsub = new JedisPubSub() {
            @Override
            public void onSubscribe(String ch, int count) {
                subscribed.countDown();
            }

            @Override
            public void onMessage(String ch, String message) {
                onMessage.accept(this, message);
            }
        };
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                pubsub.proceed(connection, channel);
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        assertTrue(subscribed.await(10, TimeUnit.SECONDS), "subscribed");
        return reader;
    }

    private static SubscriberConnection connection() {
        return new RedisConnector(RedisSettings.parse(redis.url()), "stellar-test").newSubscriberConnection(Duration.ZERO);
    }

    @Test
    @DisplayName("tells while handling a message whether more input already waits, and not once it has all been read")
    void tellsWhenInputRunsDry() throws Exception {
        String channel = redis.prefix() + ":batch";
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (SubscriberConnection connection = connection()) {
            assertFalse(connection.hasPendingInput(), "nothing read yet");
            Thread reader = reading(connection, channel, (pubsub, message) -> {
                try {
                    if (message.equals("1")) {
                        assertTrue(release.await(10, TimeUnit.SECONDS));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add(message + ":" + connection.hasPendingInput());
                if (message.equals("3")) {
                    pubsub.unsubscribe();
                }
            }, new AtomicReference<>());
            redis.client().publish(channel, "1");
            redis.client().publish(channel, "2");
            redis.client().publish(channel, "3");
            // The reader is held inside message 1; the other two reach its socket in the meantime.
            await().atMost(Duration.ofSeconds(10)).until(connection::hasPendingInput);
            release.countDown();
            reader.join(10_000);
            assertEquals(List.of("1:true", "2:true", "3:false"), seen);
        }
    }

    @Test
    @DisplayName("counts its silence from the last reply, and abort() from another thread ends a read that waits "
            + "without a timeout")
    void silenceAndAbort() throws Exception {
        String channel = redis.prefix() + ":quiet";
        CountDownLatch received = new CountDownLatch(1);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        try (SubscriberConnection connection = connection()) {
            Thread reader = reading(connection, channel, (pubsub, message) -> received.countDown(), ended);
            long beforePublish = System.nanoTime();
            redis.client().publish(channel, "hello");
            assertTrue(received.await(10, TimeUnit.SECONDS));
            long now = System.nanoTime();
            assertTrue(connection.silentNanos(now) <= now - beforePublish,
                    "the message's reply reset the silence: it counts from after the publish");
            assertTrue(connection.silentNanos(now + TimeUnit.SECONDS.toNanos(30)) >= TimeUnit.SECONDS.toNanos(30),
                    "silence grows while nothing comes");

            // The reader now waits in a read with no timeout; only abort() can end it.
            assertTrue(reader.isAlive());
            connection.abort();
            reader.join(10_000);
            assertFalse(reader.isAlive(), "the blocked read ended");
            assertTrue(ended.get() instanceof JedisConnectionException, "the reader saw the connection end: " + ended.get());
        }
    }
}
