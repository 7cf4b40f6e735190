package io.stellarrelay.testing;

import io.stellarrelay.config.RedisSettings;
import io.stellarrelay.redis.RedisConnector;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPubSub;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Listens on Redis channels (or channel patterns, {@link #matching}) from a test; construction returns
 * once the subscription is confirmed.
 */
public final class RedisMessages implements AutoCloseable {
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final Connection connection;
    private final JedisPubSub pubsub = new JedisPubSub() {
        @Override
        public void onSubscribe(String channel, int count) {
            subscribed.countDown();
        }

        @Override
        public void onMessage(String channel, String message) {
            messages.add(message);
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            subscribed.countDown();
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            messages.add(message);
        }
    };
    private final Thread thread;
    private final boolean patterns;

    public RedisMessages(String redisUrl, String... channels) throws InterruptedException {
        this(redisUrl, false, channels);
    }

    /** Listens on every channel whose name matches {@code pattern} (PSUBSCRIBE glob syntax). */
    public static RedisMessages matching(String redisUrl, String pattern) throws InterruptedException {
        return new RedisMessages(redisUrl, true, pattern);
    }

    private RedisMessages(String redisUrl, boolean patterns, String... names) throws InterruptedException {
        this.patterns = patterns;
        connection = new RedisConnector(RedisSettings.parse(redisUrl), "stellar-test-listener")
                .newSubscriberConnection(Duration.ZERO);
        thread = Thread.ofPlatform().daemon().start(() -> {
            try {
                if (patterns) {
                    pubsub.proceedWithPatterns(connection, names);
                } else {
                    pubsub.proceed(connection, names);
                }
            } catch (Exception ignored) {
                // closed by the test
            }
        });
        assertTrue(subscribed.await(10, TimeUnit.SECONDS), "Redis subscription not confirmed");
    }

    public String next() throws InterruptedException {
        String message = messages.poll(10, TimeUnit.SECONDS);
        if (message == null) {
            fail("no Redis message within 10 s");
        }
        return message;
    }

    /** Every message received so far that nobody took, in arrival order. */
    public java.util.List<String> takeReceived() {
        java.util.List<String> taken = new java.util.ArrayList<>();
        messages.drainTo(taken);
        return taken;
    }

    /** Messages received so far that nobody took. */
    public int pending() {
        return messages.size();
    }

    @Override
    public void close() throws InterruptedException {
        if (patterns) {
            pubsub.punsubscribe();
        } else {
            pubsub.unsubscribe();
        }
        thread.join(5_000);
        connection.close();
    }
}
