package io.stellarrelay.redis;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.PushConsumerChain;
import redis.clients.jedis.util.RedisInputStream;

import java.io.IOException;

/**
 * A subscriber's connection that can tell whether more input is already waiting: a reader that handles
 * messages one by one can then do its batched work (flushing held socket writes) when the input runs
 * dry, as an event loop does at the end of a turn, instead of after every message.
 */
public final class SubscriberConnection extends Connection {
    private volatile RedisInputStream input;

    SubscriberConnection(HostAndPort node, JedisClientConfig config) {
        super(node, config);
    }

    @Override
    protected Object protocolRead(RedisInputStream in, PushConsumerChain pushConsumers) {
        input = in; // the stream every reply of this connection is read from
        return super.protocolRead(in, pushConsumers);
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
