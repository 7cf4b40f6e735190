package io.stellarrelay.relay.broker;

import io.stellarrelay.lifecycle.Fatal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.stellarrelay.redis.SubscriberConnection;
import io.stellarrelay.relay.websocket.Cork;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.BinaryJedisShardedPubSub;
import redis.clients.jedis.Connection;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * One Redis pub/sub connection, kept open by its own reader thread: it connects, subscribes a control
 * channel (which keeps the connection subscribed with nothing else on it), hands every message on, and
 * when the connection dies reconnects with backoff. Plain links use SUBSCRIBE, sharded ones (one per
 * cluster node) SSUBSCRIBE.
 *
 * <p>Each connection gets a new generation number. Whoever adds channels (one mirror thread) names the
 * generation it means, so nothing meant for an old connection reaches a new one: after each
 * {@link Events#attached} it subscribes everything again. Jedis allows one writer at a time, and a command
 * sent on a connection the reader has already closed would silently open a new, never-read one; so
 * writes happen only under a lock while their generation is the attached one, and the reader detaches
 * under the same lock before it closes anything.
 */
final class PubsubLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PubsubLink.class);
    /**
     * Most socket frames held back while Redis input keeps coming: bounds how late a frame can be when
     * the input never runs dry, and how much a batch keeps referenced (frames are shared, not copied).
     */
    static final int MAX_HELD_FRAMES = 16_384;

    /** Called on the reader thread; implementations only record what happened and return. */
    interface Events {
        /** A new connection is subscribed to the control channel: subscribe everything again. */
        void attached(PubsubLink link);

        void message(byte[] channel, byte[] message);

        /** A channel is no longer subscribed: after our own unsubscribe, or the server's (its slot moved). */
        default void unsubscribed(PubsubLink link, byte[] channel) {}

        /** The connection ended; the link reconnects on its own. */
        default void lost(PubsubLink link) {}

        /** A message on the control channel (a probe) came through. */
        default void probeArrived(byte[] message) {}

        /** The link is connected again after having been connected before. */
        default void reconnected(PubsubLink link) {}
    }

    private final String name;
    private final boolean sharded;
    private final Supplier<Connection> connect;
    private final byte[] controlChannel;
    private final Events events;
    private final Thread reader;
    private final Object writeLock = new Object();
    private Session session; // guarded by writeLock
    private volatile int attachedGeneration; // 0 while not attached; written under writeLock
    private boolean attachedBefore; // reader thread only
    private volatile int probedGeneration; // the last connection a control-channel message came through
    private volatile Connection connection;
    private volatile boolean running = true;
    private Cork cork; // reader thread only

    PubsubLink(String name, boolean sharded, Supplier<Connection> connect, byte[] controlChannel, Events events) {
        this.name = name;
        this.sharded = sharded;
        this.connect = connect;
        this.controlChannel = controlChannel;
        this.events = events;
        this.reader = Thread.ofPlatform().name(name).daemon().unstarted(this::readLoop);
    }

    void start() {
        reader.start();
    }

    byte[] controlChannel() {
        return controlChannel;
    }

    /** The generation of the connection that is up and confirmed, or 0. */
    int attachedGeneration() {
        return attachedGeneration;
    }

    /** True once a message on the control channel (a probe) has come through the current connection. */
    boolean isDelivering() {
        int generation = attachedGeneration;
        return generation != 0 && probedGeneration == generation;
    }

    /**
     * Gives up the current connection when nothing, not even a probe, has come through it for
     * {@code limitNanos}: its socket is closed under the blocked reader, which then reconnects as after
     * any other loss.
     */
    void dropIfSilent(long limitNanos, long nowNanos) {
        if (!(connection instanceof SubscriberConnection c)) {
            return; // between connections: nothing is being read
        }
        long silentNanos = c.silentNanos(nowNanos);
        if (silentNanos >= limitNanos) {
            log.warn("{}: nothing came through the Redis pub/sub connection for {} ms, not even a probe; "
                    + "replacing it", name, silentNanos / 1_000_000);
            c.abort();
        }
    }

    /** Subscribes channels on connection {@code generation}; false (nothing sent) if that one is gone. */
    boolean subscribe(int generation, byte[][] channels) {
        return write(generation, channels, true);
    }

    boolean unsubscribe(int generation, byte[][] channels) {
        return write(generation, channels, false);
    }

    private boolean write(int generation, byte[][] channels, boolean subscribe) {
        synchronized (writeLock) {
            if (session == null || attachedGeneration != generation || generation == 0) {
                return false; // the connection this was for is gone; the next attachment resubscribes
            }
            if (subscribe) {
                session.add(channels);
            } else {
                session.remove(channels);
            }
            return true;
        }
    }

    private void readLoop() {
        try (Cork held = Cork.open(MAX_HELD_FRAMES)) {
            cork = held;
            cork.holding(false); // the first message after a wait is written at once
            readUntilClosed();
        }
    }

    private void readUntilClosed() {
        Backoff backoff = new Backoff();
        int generation = 0;
        boolean warned = false;
        while (running) {
            generation++;
            Session current = sharded ? new Sharded(generation) : new Plain(generation);
            Connection c = null;
            try {
                c = connect.get();
                connection = c;
                synchronized (writeLock) {
                    session = current;
                }
                current.run(c, controlChannel); // blocks while subscribed
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                if (current.confirmed) {
                    // The connection had worked: this is a new outage, so start gently and say so once.
                    backoff.reset();
                    warned = false;
                }
                if (running && !warned) {
                    log.warn("{}: Redis pub/sub connection lost, reconnecting: {}", name, e.toString());
                    warned = true;
                }
            } finally {
                cork.flush();
                cork.holding(false);
                synchronized (writeLock) {
                    attachedGeneration = 0;
                    session = null;
                }
                if (c != null) {
                    c.close();
                }
                connection = null;
            }
            if (!running) {
                return;
            }
            events.lost(this);
            try {
                backoff.pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void subscribed(Session session, byte[] channel) {
        if (Arrays.equals(channel, controlChannel)) {
            session.confirmed = true;
            synchronized (writeLock) {
                attachedGeneration = session.generation;
            }
            log.info("{}: Redis pub/sub connected", name);
            if (attachedBefore) {
                events.reconnected(this);
            }
            attachedBefore = true;
            events.attached(this);
        }
        endOfReply();
    }

    private void received(Session session, byte[] channel, byte[] message) {
        if (Arrays.equals(channel, controlChannel)) {
            probedGeneration = session.generation;
            events.probeArrived(message);
        } else {
            events.message(channel, message);
        }
        endOfReply();
    }

    /**
     * Called on the reader thread after each reply. While more input already waits, the frames of the next
     * messages are held, so a socket with several frames in one batch of messages gets them in one write;
     * once the input has run dry (or the batch is large) they go out, so a frame never waits for input
     * that has not arrived. A message that comes alone is written at once.
     */
    private void endOfReply() {
        Connection c = connection;
        boolean more = c instanceof SubscriberConnection subscriber && subscriber.hasPendingInput();
        if (more) {
            cork.flushIfFull();
        } else {
            cork.flush();
        }
        cork.holding(more);
    }

    @Override
    public void close() {
        running = false;
        synchronized (writeLock) {
            try {
                if (session != null && attachedGeneration != 0) {
                    session.removeAll(); // ends the blocking read on the reader thread
                }
            } catch (Exception ignored) {
                // the connection may already be gone; closing it below ends the reader anyway
            }
        }
        Connection c = connection;
        if (c != null) {
            c.close();
        }
        reader.interrupt();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What differs between SUBSCRIBE and SSUBSCRIBE, behind one face; one per connection. */
    private abstract static class Session {
        final int generation;
        volatile boolean confirmed;

        Session(int generation) {
            this.generation = generation;
        }

        abstract void run(Connection connection, byte[] controlChannel);

        abstract void add(byte[][] channels);

        abstract void remove(byte[][] channels);

        abstract void removeAll();
    }

    private final class Plain extends Session {
        private final BinaryJedisPubSub pubsub = new BinaryJedisPubSub() {
            @Override
            public void onSubscribe(byte[] channel, int subscribedChannels) {
                subscribed(Plain.this, channel);
            }

            @Override
            public void onMessage(byte[] channel, byte[] message) {
                received(Plain.this, channel, message);
            }

            @Override
            public void onUnsubscribe(byte[] channel, int subscribedChannels) {
                endOfReply();
            }

            @Override
            public void onPong(byte[] pattern) {
                endOfReply();
            }
        };

        Plain(int generation) {
            super(generation);
        }

        @Override
        void run(Connection connection, byte[] controlChannel) {
            pubsub.proceed(connection, controlChannel);
        }

        @Override
        void add(byte[][] channels) {
            pubsub.subscribe(channels);
        }

        @Override
        void remove(byte[][] channels) {
            pubsub.unsubscribe(channels);
        }

        @Override
        void removeAll() {
            pubsub.unsubscribe();
        }
    }

    private final class Sharded extends Session {
        private final BinaryJedisShardedPubSub pubsub = new BinaryJedisShardedPubSub() {
            @Override
            public void onSSubscribe(byte[] channel, int subscribedChannels) {
                subscribed(Sharded.this, channel);
            }

            @Override
            public void onSMessage(byte[] channel, byte[] message) {
                received(Sharded.this, channel, message);
            }

            @Override
            public void onSUnsubscribe(byte[] channel, int subscribedChannels) {
                events.unsubscribed(PubsubLink.this, channel);
                endOfReply();
            }
        };

        Sharded(int generation) {
            super(generation);
        }

        @Override
        void run(Connection connection, byte[] controlChannel) {
            pubsub.proceed(connection, controlChannel);
        }

        @Override
        void add(byte[][] channels) {
            pubsub.ssubscribe(channels);
        }

        @Override
        void remove(byte[][] channels) {
            pubsub.sunsubscribe(channels);
        }

        @Override
        void removeAll() {
            pubsub.sunsubscribe();
        }
    }
}
