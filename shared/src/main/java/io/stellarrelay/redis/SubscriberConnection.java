package io.stellarrelay.redis;

import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.PushConsumerChain;
import redis.clients.jedis.util.RedisInputStream;

import java.io.IOException;

/**
 * A subscriber's connection, read by one thread for as long as it lives. It can tell whether more input
 * is already waiting: a reader that handles messages one by one can then do its batched work (flushing
 * held socket writes) when the input runs dry, as an event loop does at the end of a turn, instead of
 * after every message. Its reads have no timeout (each is one blocking system call); instead it tells
 * how long it has been silent, and another thread can {@link #abort} it, which ends the blocked read.
 */
public final class SubscriberConnection extends Connection {
    private volatile RedisInputStream input;
    private volatile long lastHeardNanos = System.nanoTime();

    SubscriberConnection(JedisSocketFactory sockets, JedisClientConfig config) {
        super(sockets, config);
    }

    @Override
    protected Object protocolRead(RedisInputStream in, PushConsumerChain pushConsumers) {
        input = in; // the stream every reply of this connection is read from
        Object reply = super.protocolRead(in, pushConsumers);
        lastHeardNanos = System.nanoTime();
        return reply;
    }

    /** How long since the last reply came (or since this connection was made, before any). */
    public long silentNanos(long nowNanos) {
        return nowNanos - lastHeardNanos;
    }

    /**
     * Closes the socket from any thread, without writing to it: a read blocked on it ends with an
     * exception. For a connection that stopped delivering (a half-open path, a stalled replica).
     */
    public void abort() {
        try {
            forceDisconnect();
        } catch (IOException ignored) {
            // closing failed: the socket is unusable either way, and the reader sees that
        }
    }

    /**
     * True when more of a reply is already buffered or waiting in the socket, so that the next read will
     * not wait for Redis. False when in doubt: the caller then does its batched work early, never late.
     */
    public boolean hasPendingInput() {
        RedisInputStream in = input;
        if (in == null) {
            return false;
        }
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
