package io.stellarrelay.relay.console;

import io.stellarrelay.lifecycle.Fatal;
import io.stellarrelay.redis.RedisCommands;
import io.stellarrelay.redis.RedisConnector;
import io.stellarrelay.redis.RedisNames;
import io.stellarrelay.relay.broker.Backoff;
import io.stellarrelay.relay.hub.Hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the console streams ({@code XADD <prefix>:console:<serverId> MAXLEN ~ N * data '{"lines":[…]}'})
 * of the servers whose console a local socket reads, and hands each entry to the {@link ConsoleBatcher},
 * which applies the caps as for pub/sub. The last entry id read is kept per stream; after a lost
 * connection reading continues from it, so nothing the stream still holds is lost. If the stream was
 * trimmed past it meanwhile, the watchers get a frame marked {@code gap} (how many lines went is not known).
 *
 * <p>Streams are grouped by the node that owns them: on a standalone Redis that is the one server, on a
 * Redis Cluster the owner of each stream's slot in the cluster client's slot map. Each node with watched
 * streams has one reader thread and one connection, which reads all of that node's streams with one
 * blocking {@code XREAD}. A cluster node refuses one command over keys of different slots (CROSSSLOT), so
 * there a node whose streams lie in several slots gets one {@code XREAD} per slot in one pipeline, all
 * but the last without blocking: lines of the other slots then wait at most {@link #SLOTS_BLOCK}. A reader
 * that fails (a lost connection, MOVED after a slot moved, a failover) has the slot map read again and
 * the streams grouped anew; each stream continues from its last entry on whichever node owns it now.
 *
 * <p>With no console watcher a reader sends Redis nothing at all: it waits for the console hub to gain
 * one. A server whose console gains its first reader is read from the stream's end at that moment. The
 * set of streams is re-read between two {@code XREAD}s; when it changes, or a socket waits for its
 * history, a reader blocked in {@code XREAD} is woken with {@code CLIENT UNBLOCK} from a second
 * connection, so neither waits for the block ({@link #BLOCK}) to end.
 */
public final class ConsoleStreams implements Hub.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleStreams.class);
    /**
     * Longest one XREAD waits. A change (a console read or left, a socket waiting for its history) does not
     * wait for it: the reader is woken with {@code CLIENT UNBLOCK}.
     */
    static final Duration BLOCK = Duration.ofSeconds(5);
    /**
     * Longest the blocking XREAD of a pipeline over several slots waits (see the class comment): lines of
     * the other slots wait this long at most.
     */
    static final Duration SLOTS_BLOCK = Duration.ofMillis(250);
    /** How often, at most, a reader that is about to block is asked again to wake (see {@link NodeReader#unblock}). */
    private static final long UNBLOCK_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int ENTRIES_PER_READ = 1000;
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

    /**
     * Entries a stream trimmed with {@code MAXLEN ~ N} may hold beyond N: Redis trims whole nodes, of at
     * most {@code stream-node-max-entries} (100 by default) entries.
     */
    static final int TRIM_SLACK = 100;

    /**
     * Where reading a stream stands: the last entry read, how many entries the stream had added then, and
     * its length when last looked at (at most its cap plus {@link #TRIM_SLACK}).
     */
    private record Position(StreamEntryID id, long added, long length) {}

    /** Where streams live and how to reach them: one server, or the nodes of a cluster. */
    public interface Nodes {
        /** The node that serves {@code key}. */
        HostAndPort nodeOf(String key);

        /** A connection of its own to {@code node}; a read waits at most {@code readTimeout}. */
        Jedis connect(HostAndPort node, Duration readTimeout);

        /** Reads where keys live again, after a reader failed (a no-op on one server). */
        void refresh();

        /** Whether one command may only name keys of one slot. */
        boolean oneSlotPerCommand();
    }

    private final Hub consoles;
    private final ConsoleBatcher batcher;
    private final Nodes nodes;
    private final RedisNames names;
    private final ConsoleOptIn optIns;
    private final int historyLines;
    private final long readPauseNanos;
    /** Per server read, where its stream stands; written only by the reader of the node that owns it. */
    private final Map<String, Position> positions = new ConcurrentHashMap<>();
    /** Per watched server, the node its stream is read from; replaced whole by {@link #layOut}. */
    private volatile Map<String, HostAndPort> assignment = Map.of();
    private final Map<HostAndPort, NodeReader> readers = new HashMap<>(); // guarded by this
    private volatile boolean running = true;
    private boolean started; // guarded by this

    /**
     * @param optIns       sockets opting in, whose history this reader reads
     * @param historyLines how many of the last lines a socket opting in gets
     * @param readPause    after a read that brought entries, how long a reader waits from that read's start
     *                     before the next one (lines are sent in batches anyway: half the batch window keeps
     *                     a flood at two reads per batch instead of one per entry)
     */
    public ConsoleStreams(Hub consoles, ConsoleBatcher batcher, Nodes nodes, RedisNames names, ConsoleOptIn optIns,
                          int historyLines, Duration readPause) {
        this.readPauseNanos = readPause.toNanos();
        this.consoles = consoles;
        this.batcher = batcher;
        this.nodes = nodes;
        this.names = names;
        this.optIns = optIns;
        this.historyLines = historyLines;
        consoles.addListener(this);
        optIns.onRequest(this::historyRequested);
    }

    /** The one Redis server behind {@code connector}. */
    public static Nodes standalone(RedisConnector connector) {
        HostAndPort server = new HostAndPort(connector.settings().host(), connector.settings().port());
        return new Nodes() {
            @Override
            public HostAndPort nodeOf(String key) {
                return server;
            }

            @Override
            public Jedis connect(HostAndPort node, Duration readTimeout) {
                return new Jedis(connector.newSubscriberConnection(readTimeout));
            }

            @Override
            public void refresh() {
            }

            @Override
            public boolean oneSlotPerCommand() {
                return false;
            }
        };
    }

    /** The nodes of a Redis Cluster, as {@code commands}' slot map places keys. */
    public static Nodes cluster(RedisConnector connector, RedisCommands commands) {
        return new Nodes() {
            @Override
            public HostAndPort nodeOf(String key) {
                return commands.ownerOf(key.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public Jedis connect(HostAndPort node, Duration readTimeout) {
                return new Jedis(connector.newSubscriberConnection(node, readTimeout));
            }

            @Override
            public void refresh() {
                commands.refreshSlots();
            }

            @Override
            public boolean oneSlotPerCommand() {
                return true;
            }
        };
    }

    public synchronized void start() {
        started = true;
        layOut();
    }

    @Override
    public void watchChanged(String serverId) {
        layOut();
    }

    /** A socket waits for the server's history: its reader serves it now, not after its current XREAD. */
    private void historyRequested(String serverId) {
        HostAndPort node = assignment.get(serverId);
        NodeReader reader;
        synchronized (this) {
            reader = node == null ? null : readers.get(node);
        }
        if (reader != null) {
            reader.wake();
        }
    }

    /**
     * Places every watched server's stream on the node that owns it, starts a reader for a node that
     * gains streams and stops the reader of one that has none left; every reader re-reads its streams.
     * A node the slot map cannot name now (the cluster is not ok) is looked up again after the next
     * failed read, which refreshes the slot map.
     */
    private synchronized void layOut() {
        if (!started || !running) {
            return;
        }
        Map<String, HostAndPort> next = new HashMap<>();
        for (String serverId : consoles.watchedServers()) {
            try {
                next.put(serverId, nodes.nodeOf(names.consoleStream(serverId)));
            } catch (RuntimeException e) {
                log.warn("No node found for the console stream of {}: {}", serverId, e.toString());
            }
        }
        positions.keySet().retainAll(next.keySet());
        Map<String, HostAndPort> before = assignment;
        assignment = Map.copyOf(next);
        Set<HostAndPort> used = Set.copyOf(next.values());
        readers.entrySet().removeIf(entry -> {
            if (used.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().close();
            return true;
        });
        for (HostAndPort node : used) {
            readers.computeIfAbsent(node, NodeReader::new);
        }
        readers.forEach((node, reader) -> {
            if (!streamsOf(before, node).equals(streamsOf(assignment, node))) {
                reader.wake();
            }
        });
    }

    /** Has the slot map read again and the streams grouped anew (a reader failed; nodes may have moved). */
    private void regroup() {
        try {
            nodes.refresh();
        } catch (RuntimeException e) {
            log.debug("Refreshing the slot map failed; the next failed read tries again", e);
        }
        layOut();
    }

    /** The servers whose streams {@code node} serves in {@code placed}. */
    private static Set<String> streamsOf(Map<String, HostAndPort> placed, HostAndPort node) {
        Set<String> mine = new HashSet<>();
        placed.forEach((serverId, owner) -> {
            if (owner.equals(node)) {
                mine.add(serverId);
            }
        });
        return mine;
    }

    /** One node's reader: a thread and a connection reading the node's streams. */
    private final class NodeReader {
        private final HostAndPort node;
        private final Semaphore changes = new Semaphore(0);
        private final Thread thread;
        /**
         * Streams not looked at since this reader's connection was made or since they came to this reader
         * (from another node's, after a slot moved); null before the connection is made. Reader thread only.
         */
        private Set<String> unchecked;
        private Set<String> previous = Set.of(); // the streams of the last turn; reader thread only
        private volatile boolean active = true;
        private volatile Jedis connection;
        /** The reading connection's id in Redis, for {@code CLIENT UNBLOCK}; -1 while there is none. */
        private volatile long clientId = -1;
        /** A second connection to the node, only to send {@code CLIENT UNBLOCK}; used by one waker at a time. */
        private volatile Jedis waker;
        private final AtomicBoolean waking = new AtomicBoolean();
        private volatile boolean warnedWake;

        NodeReader(HostAndPort node) {
            this.node = node;
            this.thread = Thread.ofPlatform().name("relay-console-streams-" + node).daemon().start(this::run);
        }

        /** Has the reader look at its streams and the history requests again now, even mid-XREAD. */
        void wake() {
            changes.release();
            if (clientId >= 0 && waking.compareAndSet(false, true)) {
                Thread.ofVirtual().name("relay-console-streams-waker").start(this::unblock);
            }
        }

        /**
         * Ends the reader's blocking XREAD early with {@code CLIENT UNBLOCK}, repeated while the reader has
         * not taken the change yet: the XREAD may still be on its way when the first one arrives (it then
         * answers 0), and the reader checks for changes just before it sends the XREAD, so once one lands
         * on a blocked XREAD or the reader has looked, the change is seen.
         */
        private void unblock() {
            try {
                long deadline = System.nanoTime() + BLOCK.toNanos();
                while (active && changes.availablePermits() > 0 && System.nanoTime() < deadline) {
                    long id = clientId;
                    if (id < 0) {
                        return; // no connection: the reader is not blocked in Redis
                    }
                    if (waker == null) {
                        waker = nodes.connect(node, Duration.ofSeconds(2));
                    }
                    if (waker.clientUnblock(id) == 1) {
                        return;
                    }
                    LockSupport.parkNanos(UNBLOCK_RETRY_NANOS);
                }
            } catch (JedisDataException e) {
                cannotWake(e); // refused (an ACL without CLIENT UNBLOCK): the change waits for the XREAD to end
            } catch (RuntimeException e) {
                closeWaker();
                log.debug("Waking the console stream reader of {} failed; it looks again within {}", node, BLOCK, e);
            } finally {
                waking.set(false);
                if (active && changes.availablePermits() > 0 && clientId >= 0 && waking.compareAndSet(false, true)) {
                    // A change between the last look and the flag's reset: it gets its own waker.
                    Thread.ofVirtual().name("relay-console-streams-waker").start(this::unblock);
                }
            }
        }

        /** The connection's id for waking it, or -1 (then changes wait for the XREAD to end) when Redis refuses it. */
        private long idOf(Jedis c) {
            try {
                return c.clientId();
            } catch (JedisDataException e) {
                cannotWake(e);
                return -1;
            }
        }

        private void cannotWake(RuntimeException e) {
            if (!warnedWake) {
                warnedWake = true;
                log.warn("Cannot wake the console stream reader of {} ({}); new consoles and history wait up to {} for its "
                        + "XREAD to end. Allow the relay's Redis user CLIENT ID and CLIENT UNBLOCK.", node, e.getMessage(), BLOCK);
            }
        }

        private void closeWaker() {
            Jedis w = waker;
            waker = null;
            if (w != null) {
                try {
                    w.close();
                } catch (RuntimeException ignored) {
                    // already broken
                }
            }
        }

        private void run() {
            Backoff backoff = new Backoff();
            boolean warned = false;
            while (active && running) {
                try {
                    // Changes before this read of the streams are seen by it; a later one leaves a permit.
                    changes.drainPermits();
                    List<String> mine = List.copyOf(streamsOf(assignment, node));
                    if (mine.isEmpty()) {
                        closeConnection(); // nothing to read: no connection, no command
                        closeWaker();
                        changes.acquire();
                        continue;
                    }
                    Jedis redis = connection();
                    if (unchecked == null) {
                        // A new connection: the streams may have been trimmed while none was read.
                        unchecked = new HashSet<>(mine);
                    }
                    for (String id : mine) {
                        if (!previous.contains(id)) {
                            unchecked.add(id);
                        }
                    }
                    previous = Set.copyOf(mine);
                    for (String id : mine) {
                        startReading(redis, id);
                    }
                    serveHistory(redis, mine);
                    if (changes.availablePermits() > 0) {
                        continue; // a change came meanwhile: look at it before blocking
                    }
                    long readStart = System.nanoTime();
                    if (read(redis, mine)) {
                        pause(readStart);
                    }
                    if (warned) {
                        log.info("Console streams on {} readable again", node);
                        warned = false;
                    }
                    backoff.reset();
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) {
                    Fatal.rethrowIfFatal(e);
                    closeConnection();
                    if (!active || !running) {
                        return;
                    }
                    if (!warned) {
                        log.warn("Reading console streams on {} failed, continuing from the last entries read: {}",
                                node, e.toString());
                        warned = true;
                    }
                    try {
                        backoff.pause();
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                    regroup();
                }
            }
        }

        private Jedis connection() {
            Jedis c = connection;
            if (c == null) {
                // The read timeout outlasts the longest block, so a silent connection is found.
                c = nodes.connect(node, BLOCK.plusSeconds(5));
                connection = c;
                clientId = idOf(c);
            }
            return c;
        }

        private void closeConnection() {
            Jedis c = connection;
            connection = null;
            clientId = -1;
            unchecked = null;
            if (c != null) {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // already broken
                }
            }
        }

        /**
         * One read of {@code mine}: a blocking XREAD over all of them, or on a cluster one per slot in one
         * pipeline, the last one blocking. True when it brought entries.
         */
        private boolean read(Jedis redis, List<String> mine) {
            List<Map<String, StreamEntryID>> groups = new ArrayList<>(bySlot(mine).values());
            if (groups.size() == 1) {
                XReadParams block = XReadParams.xReadParams().count(ENTRIES_PER_READ).block((int) BLOCK.toMillis());
                return handle(redis, redis.xread(block, groups.get(0)));
            }
            XReadParams block = XReadParams.xReadParams().count(ENTRIES_PER_READ).block((int) SLOTS_BLOCK.toMillis());
            XReadParams noBlock = XReadParams.xReadParams().count(ENTRIES_PER_READ);
            List<Response<List<Map.Entry<String, List<StreamEntry>>>>> replies = new ArrayList<>();
            Pipeline pipeline = redis.pipelined();
            for (int i = 0; i < groups.size(); i++) {
                replies.add(pipeline.xread(i == groups.size() - 1 ? block : noBlock, groups.get(i)));
            }
            pipeline.sync();
            boolean any = false;
            for (Response<List<Map.Entry<String, List<StreamEntry>>>> reply : replies) {
                any |= handle(redis, reply.get());
            }
            return any;
        }

        /** The streams of {@code serverIds} with where each stands, one map per slot (one map in all on one server). */
        private Map<Integer, Map<String, StreamEntryID>> bySlot(List<String> serverIds) {
            Map<Integer, Map<String, StreamEntryID>> groups = new HashMap<>();
            for (String id : serverIds) {
                String key = names.consoleStream(id);
                int slot = nodes.oneSlotPerCommand() ? JedisClusterCRC16.getSlot(key) : 0;
                groups.computeIfAbsent(slot, s -> new HashMap<>()).put(key, positions.get(id).id());
            }
            return groups;
        }

        /** Hands what one XREAD returned to the batcher; true when that was anything. */
        private boolean handle(Jedis redis, List<Map.Entry<String, List<StreamEntry>>> result) {
            if (result == null) {
                return false; // nothing new within the block time
            }
            for (Map.Entry<String, List<StreamEntry>> stream : result) {
                String serverId = names.consoleStreamServerId(stream.getKey());
                Position before = serverId == null ? null : positions.get(serverId);
                if (before == null) {
                    continue;
                }
                List<StreamEntry> entries = stream.getValue();
                // Trimmed past our position, the stream holds only entries after it, all returned here unless
                // there are more than one read takes; and a trim leaves the stream at its cap. So when this
                // read is short of both (the stream's cap being at least its length when last looked at, less
                // the slack), nothing was trimmed unread, and Redis need not be asked.
                Position checked = before;
                long lost = 0;
                if (unchecked.remove(serverId) || entries.size() >= ENTRIES_PER_READ
                        || entries.size() + TRIM_SLACK >= before.length()) {
                    checked = state(redis, stream.getKey());
                    lost = trimmedSince(checked, before);
                    if (lost > 0) {
                        batcher.lost(serverId, lost); // counted before the lines that follow the loss
                    }
                }
                for (StreamEntry entry : entries) {
                    String data = entry.getFields().get(ConsoleBatcher.DATA_FIELD);
                    if (data != null) {
                        batcher.offer(serverId, data.getBytes(StandardCharsets.UTF_8), entry.getID());
                    }
                }
                long added = before.added() < 0 ? -1 : before.added() + Math.max(0, lost) + entries.size();
                // Not for a server whose last console watcher left meanwhile: it starts afresh if read again.
                positions.replace(serverId, before,
                        new Position(entries.get(entries.size() - 1).getID(), added, checked.length()));
            }
            return true;
        }

        /** Waits until {@link #readPauseNanos} after {@code readStart}, or until this reader is stopped. */
        private void pause(long readStart) throws InterruptedException {
            long left = readStart + readPauseNanos - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
        }

        /** Stops this reader; it reads nothing more. */
        void close() {
            active = false;
            thread.interrupt();
            closeConnection();
            closeWaker(); // a waker still running fails on it, and stops
        }

        void join() throws InterruptedException {
            thread.join(5_000);
        }
    }

    /** A console newly read starts after the stream's newest entry, so it gets the next line on. */
    private void startReading(Jedis redis, String serverId) {
        if (!positions.containsKey(serverId)) {
            Position start = end(redis, names.consoleStream(serverId));
            if (positions.putIfAbsent(serverId, start) == null) {
                batcher.readingFrom(serverId, start.id());
            }
        }
    }

    /**
     * Reads the history of every socket waiting for it on one of {@code mine}, up to where this reader
     * stands in the stream (all of it handed to the batcher already), and leaves the rest to the batcher. A
     * request stays queued until its history is read, so one that fails here is served after the reconnect.
     */
    private void serveHistory(Jedis redis, List<String> mine) {
        for (ConsoleOptIn.Pending request : optIns.waiting()) {
            if (!mine.contains(request.serverId())) {
                continue; // another node's reader serves it
            }
            if (!request.gate().cancelled() && consoles.isWatched(request.serverId())) {
                startReading(redis, request.serverId());
                Position at = positions.get(request.serverId());
                if (at == null) {
                    continue; // its last watcher left meanwhile: nothing to serve, the request goes with it
                }
                StreamEntryID upTo = at.id();
                // One entry holds at least one line, so this many entries hold the lines wanted.
                List<StreamEntry> newestFirst = upTo.equals(new StreamEntryID())
                        ? List.of()
                        : redis.xrevrange(names.consoleStream(request.serverId()), upTo, StreamEntryID.MINIMUM_ID, historyLines);
                batcher.history(request.serverId(), request.gate(), newestFirst, historyLines);
            }
            optIns.served(request);
        }
    }

    /**
     * How many entries after {@code before} the stream trimmed away unread (MAXLEN while this relay could
     * not read, or not keep up): when its oldest entry is newer than our position, every entry it added
     * since that position and no longer holds is lost. -1 when Redis does not count (before Redis 7).
     */
    private static long trimmedSince(Position now, Position before) {
        if (before.added() < 0 || now.added() < 0) {
            return -1;
        }
        if (now.id().compareTo(before.id()) <= 0) {
            return 0; // the oldest entry held is not newer than our position: nothing after it is gone
        }
        return Math.max(0, now.added() - before.added() - now.length());
    }

    /**
     * The stream as Redis has it now, from one script: in {@code id} its oldest entry, in {@code added} the
     * entries it ever added (-1 before Redis 7), in {@code length} how many it holds.
     */
    private static Position state(Jedis redis, String key) {
        List<?> state = (List<?>) redis.eval(STREAM_STATE, 1, key);
        return new Position(new StreamEntryID(state.get(3).toString()), (Long) state.get(1), (Long) state.get(2));
    }

    /** Where a console newly read starts: after the newest entry, so it gets the next line on. */
    private static Position end(Jedis redis, String key) {
        List<?> state = (List<?>) redis.eval(STREAM_STATE, 1, key);
        return new Position(new StreamEntryID(state.get(0).toString()), (Long) state.get(1), (Long) state.get(2));
    }

    @Override
    public void close() {
        List<NodeReader> stopping;
        synchronized (this) {
            running = false;
            stopping = List.copyOf(readers.values());
            readers.clear();
        }
        stopping.forEach(NodeReader::close);
        try {
            for (NodeReader reader : stopping) {
                reader.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
