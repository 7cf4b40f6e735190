package io.stellarrelay.bench;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.WebSocketConnection;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A client connector whose WebSocket connections are read on the selector thread itself: Jetty treats
 * a connection's read callback as blocking and hands every read to a pool thread (a thread wake-up per
 * frame at these rates); declaring it non-blocking makes the selector parse the frames and run the
 * generator's handler in place. Safe because {@link BenchClient}'s handler never blocks. HTTP (the
 * upgrade request) is left as it is.
 */
final class DirectFillConnector extends ClientConnector {
    // One connector serves several HttpClients; each of them hands it the shared executor, scheduler and
    // buffer pool (and TLS factory) again when it starts, which a started connector would refuse.

    @Override
    public void setExecutor(java.util.concurrent.Executor executor) {
        if (!isStarted()) {
            super.setExecutor(executor);
        }
    }

    @Override
    public void setScheduler(org.eclipse.jetty.util.thread.Scheduler scheduler) {
        if (!isStarted()) {
            super.setScheduler(scheduler);
        }
    }

    @Override
    public void setSslContextFactory(org.eclipse.jetty.util.ssl.SslContextFactory.Client factory) {
        if (!isStarted()) {
            super.setSslContextFactory(factory);
        }
    }

    @Override
    public void setByteBufferPool(org.eclipse.jetty.io.ByteBufferPool pool) {
        if (!isStarted()) {
            super.setByteBufferPool(pool);
        }
    }

    @Override
    protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
        return new DirectFillEndPoint((SocketChannel) channel, selector, key, this);
    }

    private static final class DirectFillEndPoint extends SocketChannelEndPoint {
        private Callback wrapped;
        private Callback wrapper;

        DirectFillEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ClientConnector connector) {
            super(channel, selector, key, connector.getScheduler());
        }

        @Override
        public void fillInterested(Callback callback) {
            super.fillInterested(direct(callback));
        }

        @Override
        public boolean tryFillInterested(Callback callback) {
            return super.tryFillInterested(direct(callback));
        }

        private synchronized Callback direct(Callback callback) {
            if (!(getConnection() instanceof WebSocketConnection)) {
                return callback;
            }
            if (callback != wrapped) {
                wrapped = callback;
                wrapper = new Callback() {
                    @Override
                    public void succeeded() {
                        callback.succeeded();
                    }

                    @Override
                    public void failed(Throwable x) {
                        callback.failed(x);
                    }

                    @Override
                    public InvocationType getInvocationType() {
                        return InvocationType.NON_BLOCKING;
                    }
                };
            }
            return wrapper;
        }
    }
}
