package io.stellarrelay.relay.websocket;

import org.eclipse.jetty.io.ByteBufferPool;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What every socket of a relay shares: where read buffers come from, where messages that may block are
 * handled, and the limits.
 *
 * @param buffers          pool of read buffers; a socket holds one only while a frame is half read
 * @param blocking         runs {@link SocketHandler} calls that may block (virtual threads)
 * @param maxMessageBytes  largest inbound message; larger ones close the socket with 1009
 * @param maxBufferedBytes most bytes queued for one socket before it counts as not reading
 * @param idleTimeout      a socket with no traffic either way for this long is closed with 1001
 * @param closeGrace       how long a closing socket waits for the client's close frame
 */
public record SocketSettings(ByteBufferPool buffers, Executor blocking, int maxMessageBytes, long maxBufferedBytes,
                             Duration idleTimeout, Duration closeGrace) {

    /** Read buffers hold a whole frame of the largest size, so a frame is never parsed in pieces. */
    int readBufferSize() {
        return Math.max(4096, maxMessageBytes + FrameReader.MAX_HEADER);
    }
}
