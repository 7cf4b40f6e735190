package io.stellarrelay.relay.hub;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ProtocolException;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.Utf8Check;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.guard.TokenBucket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns console messages from Redis into {@code server:console} frames for the console watchers of
 * each server: lines are collected per server for one batch window, capped in rate and size, and each
 * batch is encoded once and handed to the console hub, which shares it between all watchers.
 *
 * <p>The Redis reader only parses a message and appends its lines (under a lock held for that append),
 * so it never waits for a flood. Batches are built and handed to the delivery lanes on a timer thread
 * of their own: if the lanes are full that thread waits, not the reader, so other servers' frames keep
 * flowing. Per server, what waits for a batch is bounded by the line rate and {@link #MAX_PENDING_BYTES}.
 */
public final class ConsoleBatcher implements Hub.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleBatcher.class);
    /** Line text waiting for one batch of one server, at most; more is dropped and counted. */
    static final int MAX_PENDING_BYTES = 256 * 1024;
    /** Larger console messages are dropped without being parsed. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    private final Hub consoles;
    private final ProtocolCodec codec;
    private final RedisNames channels;
    private final long windowNanos;
    private final int maxLinesPerSecond;
    private final int maxLineBytes;
    private final ConcurrentHashMap<String, Batch> batches = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("relay-console-batcher").daemon().factory());
    private final DropWarnings drops = new DropWarnings(log, Duration.ofSeconds(10));

    public ConsoleBatcher(Hub consoles, ProtocolCodec codec, RedisNames channels, RelayConfig.Console config) {
        this.consoles = consoles;
        this.codec = codec;
        this.channels = channels;
        this.windowNanos = config.batchWindow().toNanos();
        this.maxLinesPerSecond = config.maxLinesPerSecond();
        this.maxLineBytes = config.maxLineBytes();
        consoles.addListener(this);
    }

    /** One message from a server's console channel; runs on the Redis reader and never blocks for long. */
    public void offer(String serverId, byte[] message) {
        if (!consoles.isWatched(serverId)) {
            return; // arrived after the last console watcher left, before the unsubscribe took effect
        }
        long now = System.nanoTime();
        if (message.length > MAX_MESSAGE_BYTES) {
            drops.dropped("console message over " + MAX_MESSAGE_BYTES + " bytes", channels.consoleChannel(serverId), now);
            return;
        }
        if (!Utf8Check.isWellFormed(message)) {
            drops.dropped("not valid UTF-8", channels.consoleChannel(serverId), now);
            return;
        }
        List<String> lines;
        try {
            lines = codec.decodeConsoleLines(message);
        } catch (ProtocolException e) {
            drops.dropped(e.getMessage(), channels.consoleChannel(serverId), now);
            return;
        }
        Batch batch = batches.computeIfAbsent(serverId, id -> new Batch(now));
        if (batch.add(lines, now)) {
            timer.schedule(() -> flush(serverId, batch), windowNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Lines of the server may have been lost uncounted (the Redis connection was lost): its console
     * watchers get what is pending at once, in a frame marked {@code gap}, and live lines after it.
     */
    public void gap(String serverId) {
        if (!consoles.isWatched(serverId)) {
            return;
        }
        Batch batch = batches.computeIfAbsent(serverId, id -> new Batch(System.nanoTime()));
        if (batch.markGap()) {
            timer.execute(() -> flush(serverId, batch));
        }
    }

    /**
     * {@code count} lines of the server were lost before the next ones (its console stream was trimmed
     * past them unread); its console watchers get the count in {@code dropped} at once.
     */
    public void lost(String serverId, long count) {
        if (!consoles.isWatched(serverId)) {
            return;
        }
        Batch batch = batches.computeIfAbsent(serverId, id -> new Batch(System.nanoTime()));
        if (batch.markLost(count)) {
            timer.execute(() -> flush(serverId, batch));
        }
    }

    private void flush(String serverId, Batch batch) {
        try {
            if (!consoles.isWatched(serverId)) {
                // Lines that raced with the last watcher leaving: drop the batch they created.
                batches.remove(serverId, batch);
                return;
            }
            ServerMessage.ServerConsole frame = batch.take(serverId);
            if (frame != null) {
                consoles.deliver(serverId, ByteBuffer.wrap(codec.encodeToBytes(frame)).asReadOnlyBuffer());
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is silently discarded; say so, the next batch tries again.
            log.warn("Console batch for {} failed", serverId, e);
        }
    }

    /** Forgets a server's pending lines and rate once nobody on this relay reads its console. */
    @Override
    public void watchChanged(String serverId) {
        if (!consoles.isWatched(serverId)) {
            batches.remove(serverId);
        }
    }

    /** Servers with console state on this relay (for tests: it must not outlive the watchers). */
    int trackedServers() {
        return batches.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Lines of one server waiting for the next frame. */
    private final class Batch {
        private final TokenBucket rate;
        private List<String> lines = new ArrayList<>(); // guarded by this
        private int pendingBytes; // guarded by this
        private long dropped; // guarded by this
        private boolean gap; // guarded by this
        private boolean scheduled; // guarded by this

        Batch(long nowNanos) {
            // One second's worth at once: a server that starts up prints a burst, then little.
            this.rate = new TokenBucket(maxLinesPerSecond, maxLinesPerSecond, nowNanos);
        }

        /** Adds what fits; true when this starts a batch, which the caller must schedule. */
        synchronized boolean add(List<String> incoming, long nowNanos) {
            for (String line : incoming) {
                String kept = Utf8.sanitize(line, maxLineBytes);
                int bytes = Utf8.length(kept);
                if (pendingBytes + bytes > MAX_PENDING_BYTES || !rate.tryTake(nowNanos)) {
                    dropped++;
                } else {
                    lines.add(kept);
                    pendingBytes += bytes;
                }
            }
            if (scheduled) {
                return false;
            }
            scheduled = true;
            return true;
        }

        /** Marks the next frame as following a gap; true when the caller must schedule it (now). */
        synchronized boolean markGap() {
            gap = true;
            return scheduleNow();
        }

        /** Counts lines lost before the next ones in the next frame; true when the caller must schedule it. */
        synchronized boolean markLost(long count) {
            dropped += count;
            return scheduleNow();
        }

        private boolean scheduleNow() {
            if (scheduled) {
                return false;
            }
            scheduled = true;
            return true;
        }

        /** The frame for what was collected, or null when nothing was; the next line starts a new batch. */
        synchronized ServerMessage.ServerConsole take(String serverId) {
            scheduled = false;
            if (lines.isEmpty() && dropped == 0 && !gap) {
                return null;
            }
            ServerMessage.ServerConsole frame = new ServerMessage.ServerConsole(serverId, lines, dropped, gap);
            lines = new ArrayList<>();
            pendingBytes = 0;
            dropped = 0;
            gap = false;
            return frame;
        }
    }
}
