package io.stellarrelay.bench;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The generator's WebSocket clients: {@code pools} independent Jetty clients (each its own HTTP
 * connection pool, so that thousands of simultaneous handshakes do not queue in one pool), bound
 * round-robin to several 127.0.0.x source addresses (so the relay sees several peers and no single
 * address runs out of ephemeral ports), with one connector and {@code selectorsPerAddress} selector
 * threads per address. They share one thread pool, scheduler and buffer pool. Frames are read and
 * handled on the selector threads ({@link DirectFillConnector}).
 */
public final class ClientFleet implements AutoCloseable {
    private final URI target;
    private final List<WebSocketCoreClient> clients = new ArrayList<>();
    private final List<HttpClient> httpClients = new ArrayList<>();
    private final List<ClientConnector> connectors = new ArrayList<>();
    private final List<String> sourceAddresses = new ArrayList<>();
    private final QueuedThreadPool threads;
    private final ScheduledExecutorScheduler scheduler;
    private final ArrayByteBufferPool buffers;
    private final Configuration.ConfigurationCustomizer sessionConfig;
    private final long connectTimeoutMs;

    public ClientFleet(URI target, List<String> sources, int pools, int selectorsPerAddress, Duration connectTimeout)
            throws Exception {
        this.target = target;
        this.connectTimeoutMs = connectTimeout.toMillis();
        for (String s : sources) {
            InetAddress a = InetAddress.getByName(s);
            if (!a.isLoopbackAddress()) {
                throw new IllegalArgumentException("source address " + s + " is not a loopback address (127.0.0.x)");
            }
            sourceAddresses.add(a.getHostAddress());
        }
        if (!InetAddress.getByName(target.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("the benchmark only targets loopback addresses, not " + target);
        }
        threads = new QueuedThreadPool(Math.max(32, pools * 2 + 16), 8);
        threads.setName("bench-io");
        threads.setDaemon(true);
        threads.start();
        scheduler = new ScheduledExecutorScheduler("bench-scheduler", true);
        scheduler.start();
        buffers = new ArrayByteBufferPool();
        sessionConfig = new Configuration.ConfigurationCustomizer();
        // Quiet clients (the connections and storm scenarios hold them idle) must not be closed by us.
        sessionConfig.setIdleTimeout(Duration.ofMinutes(30));
        sessionConfig.setMaxTextMessageSize(1 << 20);
        // One connector (socket factory and selector threads) per source address, shared by that
        // address's pools: few selectors, each waking for many ready sockets at once, keep the
        // generator's CPU per frame low; many pools keep simultaneous handshakes from queueing in one.
        for (String address : sourceAddresses) {
            ClientConnector connector = new DirectFillConnector();
            connector.setSelectors(selectorsPerAddress);
            connector.setExecutor(threads);
            connector.setScheduler(scheduler);
            connector.setByteBufferPool(buffers);
            connector.setBindAddress(new InetSocketAddress(address, 0));
            connector.setConnectTimeout(connectTimeout);
            connector.setIdleTimeout(Duration.ofMinutes(30));
            connector.setTCPNoDelay(true);
            connector.start();
            connectors.add(connector);
        }
        for (int i = 0; i < pools; i++) {
            ClientConnector connector = connectors.get(i % connectors.size());
            HttpClient http = new HttpClient(new HttpClientTransportOverHTTP(connector));
            // Bind address and timeouts are the shared connector's.
            http.setExecutor(threads);
            http.setScheduler(scheduler);
            http.setByteBufferPool(buffers);
            http.setMaxConnectionsPerDestination(100_000);
            http.setMaxRequestsQueuedPerDestination(100_000);
            http.setUserAgentField(null);
            WebSocketComponents components = new WebSocketComponents(null, null, buffers, null, null, threads);
            WebSocketCoreClient client = new WebSocketCoreClient(http, components);
            client.start();
            httpClients.add(http);
            clients.add(client);
        }
    }

    /** {@code 127.0.0.<first> ... 127.0.0.<first + count - 1>}. */
    public static List<String> loopbackRange(int first, int count) throws UnknownHostException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int last = first + i;
            if (last < 1 || last > 254) {
                throw new IllegalArgumentException("source addresses must stay within 127.0.0.1-127.0.0.254");
            }
            out.add("127.0.0." + last);
        }
        return out;
    }

    public List<String> sourceAddresses() {
        return sourceAddresses;
    }

    public int pools() {
        return clients.size();
    }

    /** Starts one connection attempt of {@code client}; the outcome is reported to {@code phase}. */
    public void connect(BenchClient client, Phase phase) {
        BenchClient.Attempt attempt = client.newAttempt(phase);
        WebSocketCoreClient ws = clients.get(client.index % clients.size());
        try {
            CoreClientUpgradeRequest request = CoreClientUpgradeRequest.from(ws, target, attempt);
            request.timeout(connectTimeoutMs, TimeUnit.MILLISECONDS);
            request.setConfiguration(sessionConfig);
            ws.connect(request).whenComplete((session, failure) -> {
                if (failure != null) {
                    attempt.connectFailed(failure);
                }
            });
        } catch (Exception e) {
            attempt.connectFailed(e);
        }
    }

    /**
     * Connects every client, at most {@code concurrency} attempts in flight, and waits until all have
     * settled or {@code timeout} has passed. Bounded in count (one attempt per client) and in time.
     */
    public Phase connectAll(List<BenchClient> all, int concurrency, Duration timeout) throws InterruptedException {
        return connectAll(all, new Phase(all.size(), concurrency), timeout);
    }

    /** As above, reporting to a phase made beforehand (so that a sampler can watch its progress). */
    public Phase connectAll(List<BenchClient> all, Phase phase, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int started = 0;
        for (BenchClient c : all) {
            if (!phase.acquire(deadline)) {
                break;
            }
            connect(c, phase);
            started++;
        }
        for (int i = started; i < all.size(); i++) {
            phase.skipped();
        }
        phase.awaitUntil(deadline);
        return phase;
    }

    /** Closes every client normally and waits (bounded) for the close handshakes. */
    public void closeAll(List<BenchClient> all, Duration wait) throws InterruptedException {
        for (BenchClient c : all) {
            c.close();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline && all.stream().anyMatch(BenchClient::isOpen)) {
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        for (WebSocketCoreClient c : clients) {
            try {
                c.stop();
            } catch (Exception ignored) {
                // best effort
            }
        }
        for (HttpClient h : httpClients) {
            try {
                h.stop();
            } catch (Exception ignored) {
                // best effort
            }
        }
        for (ClientConnector c : connectors) {
            try {
                c.stop();
            } catch (Exception ignored) {
                // best effort
            }
        }
        try {
            scheduler.stop();
            threads.stop();
        } catch (Exception ignored) {
            // best effort
        }
    }
}
