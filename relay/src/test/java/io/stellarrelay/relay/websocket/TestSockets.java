package io.stellarrelay.relay.websocket;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.EndPoint;

import java.time.Duration;

/** Sockets for tests that look at what a {@link SocketConnection} writes, not at what it reads. */
final class TestSockets {
    private TestSockets() {
    }

    /**
     * A socket on {@code endPoint} that handles messages on the calling thread and ignores them.
     *
     * @param budget     the most bytes it queues for a client that does not read
     * @param onOverflow run when that budget is exceeded
     */
    static SocketConnection writingTo(EndPoint endPoint, long budget, Runnable onOverflow) {
        SocketSettings settings = new SocketSettings(new ArrayByteBufferPool(), Runnable::run, 1024, budget,
                Duration.ofSeconds(30), Duration.ofSeconds(5));
        return new SocketConnection(endPoint, settings, new SocketHandler() {
            @Override
            public void onOpen(Socket socket) {
            }

            @Override
            public void onText(byte[] utf8) {
            }

            @Override
            public void onBinary() {
            }

            @Override
            public void onOverflow() {
                onOverflow.run();
            }

            @Override
            public void onClosed(int code) {
            }
        });
    }
}
