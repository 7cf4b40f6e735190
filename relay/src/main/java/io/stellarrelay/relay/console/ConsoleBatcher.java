package io.stellarrelay.relay.console;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ProtocolException;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.Utf8;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.RelayConfig;
import io.stellarrelay.relay.guard.TokenBucket;
import io.stellarrelay.relay.hub.DropWarnings;
import io.stellarrelay.relay.hub.Hub;
import io.stellarrelay.relay.websocket.Frames;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    /** The field of a console stream entry that holds the message. */
    static final String DATA_FIELD = "data";

    private final Hub consoles;
    private final ProtocolCodec codec;
    private final RedisNames channels;
    private final long windowNanos;
    private final int maxLinesPerSecond;
    private final int maxLineBytes;
    private final ConcurrentHashMap<String, Batch> batches = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("relay-console-batcher").daemon().factory());
    /**
     * Per server read from its stream, the last entry delivered live (or where reading began): a new
     * reader's history ends there. Batch thread only, except {@link #readingFrom} before any entry.
     */
    private final ConcurrentHashMap<String, StreamEntryID> delivered = new ConcurrentHashMap<>();
    private final DropWarnings drops = new DropWarnings(log, Duration.ofSeconds(10));
    /** Per server, the gates of sockets still waiting for their history (see {@link #awaitingHistory}). */
    private final ConcurrentHashMap<String, Set<HistoryGate>> waitingGates = new ConcurrentHashMap<>();

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
        offer(serverId, message, null);
    }

    /**
     * One entry of a server's console stream, {@code id} its entry id: the frame that carries it records
     * it as delivered, which is where a socket's history ends (see {@link #history}).
     */
    public void offer(String serverId, byte[] message, StreamEntryID id) {
        if (!consoles.isWatched(serverId)) {
            return; // arrived after the last console watcher left, before the unsubscribe took effect
        }
        long now = System.nanoTime();
        List<String> lines = parse(serverId, message, now);
        if (lines == null) {
            return;
        }
        Batch batch = batches.computeIfAbsent(serverId, key -> new Batch(now));
        if (batch.add(lines, id, now)) {
            timer.schedule(() -> flush(serverId, batch), windowNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The lines of one console message, or null (dropped and counted in the warnings) when it is bad. */
    private List<String> parse(String serverId, byte[] message, long now) {
        if (message.length > MAX_MESSAGE_BYTES) {
            drops.dropped("console message over " + MAX_MESSAGE_BYTES + " bytes", channels.consoleChannel(serverId), now);
            return null;
        }
        if (!Utf8.isWellFormed(message)) {
            drops.dropped("not valid UTF-8", channels.consoleChannel(serverId), now);
            return null;
        }
        try {
            return codec.decodeConsoleLines(message);
        } catch (ProtocolException e) {
            drops.dropped(e.getMessage(), channels.consoleChannel(serverId), now);
            return null;
        }
    }

    /**
     * The stream reader starts reading the server's stream after {@code id}: nothing up to it will come
     * live, so a socket's history may reach up to it.
     */
    public void readingFrom(String serverId, StreamEntryID id) {
        delivered.merge(serverId, id, ConsoleBatcher::later);
    }

    /**
     * Opens {@code gate} with the server's history: {@code newestFirst} are the stream's entries up to
     * where the reader stands, all of them offered already. The gate is opened on the batch thread, which
     * alone delivers live frames, just before the frame that holds the lines offered after the last frame
     * delivered (or at once when no such frame is pending), and the history is cut at the last entry
     * delivered live: older lines reached the gate while it was closed (and were dropped there), newer
     * ones reach it once open. So no line comes twice and none is missing. The caps apply: lines are cut
     * to the line length, and the history holds at most one second's worth of lines and the pending-bytes
     * limit; lines left out for that are counted in {@code dropped}.
     */
    void history(String serverId, HistoryGate gate, List<StreamEntry> newestFirst, int maxLines) {
        Opening opening = new Opening(gate, newestFirst, maxLines);
        Batch batch = batches.get(serverId);
        if (batch == null || !batch.openBefore(opening)) {
            // Nothing pending: a batch started from now on is flushed after this task (it waits a window).
            timer.execute(() -> open(serverId, opening));
        }
    }

    /** Opens a gate with the history up to the last entry delivered; on the batch thread. */
    private void open(String serverId, Opening opening) {
        ByteBuffer frame = null;
        try {
            frame = historyFrame(serverId, opening.newestFirst(), opening.maxLines());
        } catch (RuntimeException e) {
            log.warn("Console history for {} failed; live lines follow", serverId, e);
        }
        ByteBuffer history = frame;
        consoles.runInLane(opening.gate(), () -> opening.gate().open(history));
        historyDone(serverId, opening.gate());
    }

    /**
     * {@code gate} is about to join the server's console hub and stays closed until its history is read:
     * frames of published lines (which no history holds) are passed through it meanwhile.
     */
    void awaitingHistory(String serverId, HistoryGate gate) {
        waitingGates.compute(serverId, (id, gates) -> {
            Set<HistoryGate> next = gates == null ? new HashSet<>() : new HashSet<>(gates);
            next.add(gate);
            return Set.copyOf(next);
        });
    }

    /** {@code gate} is open (every frame after is delivered through it) or gone. */
    void historyDone(String serverId, HistoryGate gate) {
        waitingGates.computeIfPresent(serverId, (id, gates) -> {
            Set<HistoryGate> next = new HashSet<>(gates);
            next.remove(gate);
            return next.isEmpty() ? null : Set.copyOf(next);
        });
    }

    private ByteBuffer historyFrame(String serverId, List<StreamEntry> newestFirst, int maxLines) {
        StreamEntryID upTo = delivered.get(serverId);
        int limit = Math.min(maxLines, maxLinesPerSecond);
        List<String> kept = new ArrayList<>();
        long dropped = 0;
        int bytes = 0;
        long now = System.nanoTime();
        for (StreamEntry entry : newestFirst) {
            if (upTo == null || entry.getID().compareTo(upTo) > 0) {
                continue; // not delivered live yet: comes in the next live frame
            }
            String data = entry.getFields().get(DATA_FIELD);
            List<String> lines = data == null ? null : parse(serverId, data.getBytes(StandardCharsets.UTF_8), now);
            if (lines == null) {
                continue;
            }
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (kept.size() >= maxLines) {
                    break; // older than the history asked for: not lost, just not shown
                }
                String line = Utf8.sanitize(lines.get(i), maxLineBytes);
                int size = Utf8.length(line);
                if (kept.size() >= limit || bytes + size > MAX_PENDING_BYTES) {
                    dropped++;
                } else {
                    kept.add(line);
                    bytes += size;
                }
            }
        }
        if (kept.isEmpty() && dropped == 0) {
            return null;
        }
        Collections.reverse(kept);
        ServerMessage.ServerConsole history = new ServerMessage.ServerConsole(serverId, kept, dropped, false, true);
        return Frames.text(codec.encodeToBytes(history));
    }

    private static StreamEntryID later(StreamEntryID a, StreamEntryID b) {
        return a.compareTo(b) >= 0 ? a : b;
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
            Taken taken = batch.take(serverId);
            // Before the frame: the gates opened now get it, and history up to the frame before it.
            for (Opening opening : taken.openings()) {
                open(serverId, opening);
            }
            if (taken.frame() != null) {
                consoles.deliver(serverId, ByteBuffer.wrap(codec.encodeToBytes(taken.frame())).asReadOnlyBuffer());
            }
            if (taken.published() != null) {
                byte[] published = codec.encodeToBytes(taken.published());
                consoles.deliver(serverId, ByteBuffer.wrap(published).asReadOnlyBuffer());
                Set<HistoryGate> closed = waitingGates.get(serverId);
                if (closed != null) {
                    ByteBuffer frame = Frames.text(published);
                    for (HistoryGate gate : closed) {
                        consoles.runInLane(gate, () -> gate.passWhileClosed(frame.duplicate()));
                    }
                }
            }
            if (taken.lastId() != null) {
                delivered.merge(serverId, taken.lastId(), ConsoleBatcher::later);
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
            delivered.remove(serverId);
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

    /**
     * A frame taken from a batch (null when it holds nothing), a second one of the lines that were
     * published (not read from the stream) when the batch holds both kinds (else they are in the first,
     * which is then this one), the last stream entry it holds (null when none came from a stream), and the
     * gates to open just before them.
     */
    private record Taken(ServerMessage.ServerConsole frame, ServerMessage.ServerConsole published, StreamEntryID lastId,
                         List<Opening> openings) {}

    /** A gate waiting to be opened with the history read for it. */
    private record Opening(HistoryGate gate, List<StreamEntry> newestFirst, int maxLines) {}

    /** Lines of one server waiting for the next frame. */
    private final class Batch {
        private final TokenBucket rate;
        private List<String> lines = new ArrayList<>(); // guarded by this: read from the stream
        private List<String> published = new ArrayList<>(); // guarded by this: come by PUBLISH (deprecated)
        private int pendingBytes; // guarded by this
        private long dropped; // guarded by this
        private boolean gap; // guarded by this
        private boolean scheduled; // guarded by this
        private StreamEntryID lastId; // guarded by this
        private List<Opening> openings = List.of(); // guarded by this

        Batch(long nowNanos) {
            // One second's worth at once: a server that starts up prints a burst, then little.
            this.rate = new TokenBucket(maxLinesPerSecond, maxLinesPerSecond, nowNanos);
        }

        /** Adds what fits; true when this starts a batch, which the caller must schedule. */
        synchronized boolean add(List<String> incoming, StreamEntryID id, long nowNanos) {
            if (id != null) {
                lastId = id;
            }
            List<String> into = id == null ? published : lines;
            for (String line : incoming) {
                String kept = Utf8.sanitize(line, maxLineBytes);
                int bytes = Utf8.length(kept);
                if (pendingBytes + bytes > MAX_PENDING_BYTES || !rate.tryTake(nowNanos)) {
                    dropped++;
                } else {
                    into.add(kept);
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
        /** Opens the gate just before this batch's frame; false when no frame is pending (open it now). */
        synchronized boolean openBefore(Opening opening) {
            if (!scheduled) {
                return false;
            }
            List<Opening> more = new ArrayList<>(openings);
            more.add(opening);
            openings = more;
            return true;
        }

        /** What was collected; the next line starts a new batch. */
        synchronized Taken take(String serverId) {
            scheduled = false;
            // Published lines get a frame of their own when there are stream lines too: a closed history gate
            // must let them through, and the stream lines not (the history holds those).
            boolean separate = !lines.isEmpty() && !published.isEmpty();
            boolean onlyPublished = lines.isEmpty() && !published.isEmpty();
            List<String> first = onlyPublished ? published : lines;
            boolean empty = first.isEmpty() && dropped == 0 && !gap;
            ServerMessage.ServerConsole frame = empty ? null : new ServerMessage.ServerConsole(serverId, first, dropped, gap);
            ServerMessage.ServerConsole publishedFrame = separate
                    ? new ServerMessage.ServerConsole(serverId, published, 0, false)
                    : onlyPublished ? frame : null;
            Taken taken = new Taken(onlyPublished ? null : frame, publishedFrame, lastId, openings);
            openings = List.of();
            lastId = null;
            if (empty) {
                return taken;
            }
            lines = new ArrayList<>();
            published = new ArrayList<>();
            pendingBytes = 0;
            dropped = 0;
            gap = false;
            return taken;
        }
    }
}
