package io.stellarrelay.relay.hub;

import io.stellarrelay.lifecycle.Fatal;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reads the console streams ({@code XADD <prefix>:console:<serverId> MAXLEN ~ N * data '{"lines":[…]}'})
 * of the servers whose console a local socket reads, with one blocking {@code XREAD} over all of them on
 * one connection, and hands each entry to the {@link ConsoleBatcher}, which applies the caps as for
 * pub/sub. The last entry id read is kept per stream; after a lost connection reading continues from it,
 * so nothing the stream still holds is lost. If the stream was trimmed past it meanwhile, the watchers get
 * a frame marked {@code gap} (how many lines went is not known).
 *
 * <p>With no console watcher the reader sends Redis nothing at all: it waits for the console hub to gain
 * one. A server whose console gains its first reader is read from the stream's end at that moment. The
 * set of streams is re-read between two {@code XREAD}s, which block at most {@link #BLOCK}.
 */
public final class ConsoleStreams implements Hub.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleStreams.class);
    /** Longest one XREAD waits, and so how long a newly read console may wait for its first live line. */
    static final Duration BLOCK = Duration.ofMillis(250);
    private static final int ENTRIES_PER_READ = 1000;
    private static final long MAX_BACKOFF_MS = 2_000;
    // KEYS[1]: a stream. {last-generated-id, entries-added, length, recorded-first-entry-id} from one
    // XINFO, so they agree; {"0-0", 0, 0, "0-0"} for a stream that does not exist; the counts are -1
    // before Redis 7, which does not report them.
    private static final String STREAM_STATE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {'0-0', 0, 0, '0-0'} end
            local info = redis.call('XINFO', 'STREAM', KEYS[1])
            local f = {}
            for i = 1, #info, 2 do f[info[i]] = info[i + 1] end
            return {f['last-generated-id'], f['entries-added'] or -1, f['length'], f['recorded-first-entry-id'] or '0-0'}
            """;

    /** Where reading a stream stands: the last entry read, and how many entries the stream had added then. */
    private record Position(StreamEntryID id, long added) {}

    private final Hub consoles;
    private final ConsoleBatcher batcher;
    private final RedisConnector connector;
    private final RedisNames names;
    private final ConsoleOptIn optIns;
    private final int historyLines;
    private final Map<String, Position> positions = new HashMap<>(); // reader thread only
    private final Semaphore changes = new Semaphore(0);
    private final Thread reader;
    private volatile boolean running = true;
    private volatile Jedis connection;

    /**
     * @param optIns       sockets opting in, whose history this reader reads
     * @param historyLines how many of the last lines a socket opting in gets
     */
    public ConsoleStreams(Hub consoles, ConsoleBatcher batcher, RedisConnector connector, RedisNames names,
            ConsoleOptIn optIns, int historyLines) {
        this.consoles = consoles;
        this.batcher = batcher;
        this.connector = connector;
        this.names = names;
        this.optIns = optIns;
        this.historyLines = historyLines;
        this.reader = Thread.ofPlatform().name("relay-console-streams").daemon().unstarted(this::run);
        consoles.addListener(this);
    }

    public void start() {
        reader.start();
    }

    @Override
    public void watchChanged(String serverId) {
        changes.release();
    }

    private void run() {
        long backoffMs = 100;
        boolean warned = false;
        while (running) {
            try {
                // Changes before this read of the watched set are seen by it; a later one leaves a permit.
                changes.drainPermits();
                Set<String> wanted = consoles.watchedServers();
                positions.keySet().retainAll(wanted);
                if (wanted.isEmpty()) {
                    closeConnection(); // nothing to read: no connection, no command
                    changes.acquire();
                    continue;
                }
                Jedis redis = connection();
                for (String id : wanted) {
                    startReading(redis, id);
                }
                serveHistory(redis);
                read(redis);
                if (warned) {
                    log.info("Console streams readable again");
                    warned = false;
                }
                backoffMs = 100;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                closeConnection();
                if (!running) {
                    return;
                }
                if (!warned) {
                    log.warn("Reading console streams failed, continuing from the last entries read: {}", e.toString());
                    warned = true;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            }
        }
    }

    /** A console newly read starts after the stream's newest entry, so it gets the next line on. */
    private void startReading(Jedis redis, String serverId) {
        if (!positions.containsKey(serverId)) {
            Position start = end(redis, names.consoleStream(serverId));
            positions.put(serverId, start);
            batcher.readingFrom(serverId, start.id());
        }
    }

    /**
     * Reads the history of every socket waiting for it, up to where this reader stands in the stream (all
     * of it handed to the batcher already), and leaves the rest to the batcher. A request stays queued
     * until its history is read, so one that fails here is served after the reconnect.
     */
    private void serveHistory(Jedis redis) {
        for (ConsoleOptIn.Pending request = optIns.next(); request != null; request = optIns.next()) {
            if (!request.gate().cancelled() && consoles.isWatched(request.serverId())) {
                startReading(redis, request.serverId());
                StreamEntryID upTo = positions.get(request.serverId()).id();
                // One entry holds at least one line, so this many entries hold the lines wanted.
                List<StreamEntry> newestFirst = upTo.equals(new StreamEntryID())
                        ? List.of()
                        : redis.xrevrange(names.consoleStream(request.serverId()), upTo, StreamEntryID.MINIMUM_ID, historyLines);
                batcher.history(request.serverId(), request.gate(), newestFirst, historyLines);
            }
            optIns.served(request);
        }
    }

    private void read(Jedis redis) {
        Map<String, StreamEntryID> streams = new HashMap<>();
        positions.forEach((id, position) -> streams.put(names.consoleStream(id), position.id()));
        List<Map.Entry<String, List<StreamEntry>>> result = redis.xread(
                XReadParams.xReadParams().count(ENTRIES_PER_READ).block((int) BLOCK.toMillis()), streams);
        if (result == null) {
            return; // nothing new within the block time
        }
        for (Map.Entry<String, List<StreamEntry>> stream : result) {
            String serverId = names.consoleStreamServerId(stream.getKey());
            Position before = serverId == null ? null : positions.get(serverId);
            if (before == null) {
                continue;
            }
            List<StreamEntry> entries = stream.getValue();
            long lost = trimmedSince(redis, stream.getKey(), before);
            if (lost > 0) {
                batcher.lost(serverId, lost); // counted before the lines that follow the loss
            }
            for (StreamEntry entry : entries) {
                String data = entry.getFields().get(ConsoleBatcher.DATA_FIELD);
                if (data != null) {
                    batcher.offer(serverId, data.getBytes(StandardCharsets.UTF_8), entry.getID());
                }
            }
            long added = before.added() < 0 ? -1 : before.added() + Math.max(0, lost) + entries.size();
            positions.put(serverId, new Position(entries.get(entries.size() - 1).getID(), added));
        }
    }

    /**
     * How many entries after {@code before} the stream trimmed away unread (MAXLEN while this relay could
     * not read, or not keep up): when its oldest entry is newer than our position, every entry it added
     * since that position and no longer holds is lost. -1 when Redis does not count (before Redis 7).
     */
    private static long trimmedSince(Jedis redis, String key, Position before) {
        List<?> state = (List<?>) redis.eval(STREAM_STATE, 1, key);
        long added = (Long) state.get(1);
        long length = (Long) state.get(2);
        StreamEntryID oldest = new StreamEntryID(state.get(3).toString());
        if (before.added() < 0 || added < 0 || oldest.compareTo(before.id()) <= 0) {
            return before.added() < 0 || added < 0 ? -1 : 0;
        }
        return Math.max(0, added - before.added() - length);
    }

    /** Where a console newly read starts: after the newest entry, so it gets the next line on. */
    private static Position end(Jedis redis, String key) {
        List<?> state = (List<?>) redis.eval(STREAM_STATE, 1, key);
        return new Position(new StreamEntryID(state.get(0).toString()), (Long) state.get(1));
    }

    private Jedis connection() {
        Jedis c = connection;
        if (c == null) {
            // The read timeout outlasts the longest block, so a silent connection is found.
            c = new Jedis(connector.newSubscriberConnection(BLOCK.plusSeconds(5)));
            connection = c;
        }
        return c;
    }

    private void closeConnection() {
        Jedis c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    @Override
    public void close() {
        running = false;
        reader.interrupt();
        closeConnection();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
