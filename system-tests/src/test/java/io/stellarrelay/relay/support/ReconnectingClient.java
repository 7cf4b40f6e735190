package io.stellarrelay.relay.support;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A client that behaves as a real one behind a list of relay addresses (a DNS name with several
 * records, or a client-side list): it connects to the first address, and whenever its socket is lost
 * (closed or broken) or an attempt fails it moves on to the next address in its list, wrapping around,
 * waiting between attempts with exponential backoff and jitter. Each connection authenticates again and
 * subscribes to every server again, and counts as established once a sync for each has arrived.
 *
 * <p>The syncs it receives are counted by its {@link SyncTally} ({@link #tally}), across connections.
 * Counting through the tally is safe only while {@link #current} is an established connection.
 */
public final class ReconnectingClient implements AutoCloseable {
    /** Wait after a lost connection or a first failed attempt; doubled per further failure. */
    public static final Duration BASE_BACKOFF = Duration.ofMillis(100);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    /** A connection that got as far as receiving syncs, and when it did. */
    public record Connection(int port, long syncingAtNanos) {}

    /** A connection lost: which address, with which close code, when the client noticed. */
    public record Loss(int port, int closeCode, long atNanos) {}

    private final SyncTally tally;
    private final List<Integer> addresses;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Loss> losses = new CopyOnWriteArrayList<>();
    private final List<Throwable> failedAttempts = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread loop;
    private volatile Connection current;

    private ReconnectingClient(SyncTally tally, List<Integer> addresses) {
        this.tally = tally;
        this.addresses = List.copyOf(addresses);
        this.loop = Thread.ofVirtual().name(tally.name()).unstarted(this::run);
    }

    /** Starts connecting to the relays on {@code ports}, in that order, as user {@code token}. */
    public static ReconnectingClient start(String name, String token, List<String> servers, List<Integer> ports) {
        ReconnectingClient client = new ReconnectingClient(SyncTally.unconnected(name, token, servers), ports);
        client.loop.start();
        return client;
    }

    private void run() {
        int index = 0;
        int failures = 0;
        while (stopped.getCount() > 0) {
            int port = addresses.get(index);
            try {
                tally.reconnect(port);
                WsTestClient socket = tally.client();
                tally.awaitFirstSyncs();
                Connection connection = new Connection(port, System.nanoTime());
                connections.add(connection);
                current = connection;
                failures = 0;
                int code = socket.closed().get();
                current = null;
                losses.add(new Loss(port, code, System.nanoTime()));
            } catch (InterruptedException e) {
                return;
            } catch (Exception | AssertionError e) {
                // Refused, timed out, or the socket broke halfway: the next address, after a longer pause.
                current = null;
                if (stopped.getCount() > 0) {
                    failedAttempts.add(e);
                }
                failures++;
            }
            index = (index + 1) % addresses.size();
            try {
                if (stopped.await(backoff(failures).toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Between half and all of {@code BASE_BACKOFF * 2^failures}, capped at {@code MAX_BACKOFF}: clients
     * thrown off one relay together do not all come back in the same instant.
     */
    public static Duration backoff(int failures) {
        long ceiling = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.min(failures, 16));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    public List<Integer> addresses() {
        return addresses;
    }

    public SyncTally tally() {
        return tally;
    }

    /** The connection now receiving syncs, or null while the client is between relays. */
    public Connection current() {
        return current;
    }

    /** Every connection that reached syncing, oldest first. */
    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    public List<Loss> losses() {
        return List.copyOf(losses);
    }

    /** Attempts that failed (refused, timed out, refused authentication), for failure messages. */
    public List<Throwable> failedAttempts() {
        return List.copyOf(failedAttempts);
    }

    @Override
    public void close() throws InterruptedException {
        stopped.countDown();
        WsTestClient socket = tally.client();
        if (socket != null) {
            socket.close();
        }
        loop.join(WsTestClient.WAIT.toMillis() * 2);
    }

    @Override
    public String toString() {
        return tally.name() + " " + addresses;
    }
}
