package io.stellarrelay.relay.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of one target, for fault tests. Each accepted connection
 * becomes a {@link Link} with one pump thread per direction.
 *
 * <ul>
 *   <li>{@link #freeze()} makes every link open at that moment a silently dead path: both TCP
 *   connections stay open, but no byte and no end-of-stream is passed on in either direction (what a
 *   NAT or firewall that dropped the flow looks like). Connections accepted later are not frozen.</li>
 *   <li>{@link #thaw()} lets frozen links flow again, delivering what they held back.</li>
 *   <li>{@link #cut()} closes every link on both sides at once.</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        this.acceptor = Thread.ofPlatform().name("tcp-proxy-accept-" + server.getLocalPort()).daemon()
                .unstarted(this::acceptLoop);
    }

    /** A proxy on a free port of 127.0.0.1 forwarding to {@code targetHost:targetPort}. */
    public static TcpProxy start(String targetHost, int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpProxy proxy = new TcpProxy(server, new InetSocketAddress(targetHost, targetPort));
        proxy.acceptor.start();
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted since the proxy started. */
    public int acceptedCount() {
        return accepted.get();
    }

    /** Links that are still open on at least the proxy's side. */
    public int openCount() {
        return (int) links.stream().filter(l -> !l.isClosed()).count();
    }

    /** Frozen links whose sockets are still open (the dead paths still "exist"). */
    public int frozenOpenCount() {
        return (int) links.stream().filter(l -> l.isFrozen() && !l.isClosed()).count();
    }

    /** Stops forwarding on every link open now; returns how many were frozen. */
    public int freeze() {
        int n = 0;
        for (Link link : links) {
            if (!link.isClosed()) {
                link.setFrozen(true);
                n++;
            }
        }
        return n;
    }

    /** Lets every frozen link forward again. */
    public void thaw() {
        for (Link link : links) {
            link.setFrozen(false);
        }
    }

    /** Closes every link, both sides; returns how many were open. */
    public int cut() {
        int n = 0;
        for (Link link : links) {
            if (!link.isClosed()) {
                n++;
            }
            link.close();
        }
        return n;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                closeQuietly(upstream);
                closeQuietly(client);
                continue;
            }
            Link link = new Link(client, upstream);
            links.add(link);
            if (closed) {
                link.close();
                return;
            }
            link.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        cut();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed or reset
        }
    }

    /** One proxied connection: the client's socket and ours to the target. */
    private static final class Link {
        private final Socket client;
        private final Socket upstream;
        private final Object lock = new Object();
        private boolean frozen; // guarded by lock
        private boolean closed; // guarded by lock

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            String name = "tcp-proxy-" + client.getPort() + "-";
            Thread.ofPlatform().name(name + "up").daemon().start(() -> pump(client, upstream));
            Thread.ofPlatform().name(name + "down").daemon().start(() -> pump(upstream, client));
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int n = in.read(buffer);
                    // Whatever was read (bytes or the end of the stream) waits here while frozen.
                    if (!awaitFlowing()) {
                        return;
                    }
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // A reset or a close is passed on as a close, once flowing (a dead path passes nothing).
                if (!awaitFlowing()) {
                    return;
                }
            }
            close();
        }

        /** Blocks while frozen; false once the link is closed. */
        private boolean awaitFlowing() {
            synchronized (lock) {
                while (frozen && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return !closed;
            }
        }

        void setFrozen(boolean value) {
            synchronized (lock) {
                frozen = value;
                lock.notifyAll();
            }
        }

        boolean isFrozen() {
            synchronized (lock) {
                return frozen;
            }
        }

        boolean isClosed() {
            synchronized (lock) {
                return closed;
            }
        }

        void close() {
            synchronized (lock) {
                closed = true;
                lock.notifyAll();
            }
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }
}
