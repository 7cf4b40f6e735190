package io.stellarrelay.relay.websocket;

import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket on a real TCP connection: what a cork's flush writes goes straight to the kernel, and only
 * what the kernel does not take goes through Jetty's asynchronous write.
 */
@DisplayName("Writing held frames")
class DirectWriteTest {
    private static final int SMALL_BUFFER = 4096;

    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;
    private RecordingEndPoint endPoint;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        client = SocketChannel.open();
        client.setOption(StandardSocketOptions.SO_RCVBUF, SMALL_BUFFER); // before connecting, to take effect
        client.connect(server.getLocalAddress());
        accepted = server.accept();
        accepted.configureBlocking(false);
        endPoint = new RecordingEndPoint(accepted);
    }

    @AfterEach
    void disconnect() throws IOException {
        Cork cork = Cork.current();
        if (cork != null) {
            cork.close();
        }
        client.close();
        accepted.close();
        server.close();
    }

    @Test
    @DisplayName("go out in one write on the flushing thread, with no asynchronous write")
    void writtenDirectly() throws IOException {
        SocketConnection socket = socket();
        ByteBuffer a = Frames.text("first".getBytes());
        ByteBuffer b = Frames.text("second".getBytes());
        try (Cork cork = Cork.open(64)) {
            socket.deliver(a.duplicate());
            socket.deliver(b.duplicate());
            cork.flush();
        }
        assertEquals(0, endPoint.asyncWrites, "the kernel took it all: nothing for Jetty to finish");
        assertEquals(0, socket.bufferedBytes());
        byte[] expected = concat(a, b);
        assertArrayEquals(expected, read(expected.length));
    }

    @Test
    @DisplayName("leave what the kernel does not take to the asynchronous write, in order and nothing twice")
    void restGoesAsynchronously() throws IOException {
        accepted.setOption(StandardSocketOptions.SO_SNDBUF, SMALL_BUFFER);
        SocketConnection socket = socket();
        ByteBuffer[] frames = new ByteBuffer[3];
        for (int i = 0; i < frames.length; i++) {
            byte[] payload = new byte[256 * 1024];
            Arrays.fill(payload, (byte) ('a' + i));
            frames[i] = Frames.text(payload);
        }
        try (Cork cork = Cork.open(64)) {
            for (ByteBuffer frame : frames) {
                socket.deliver(frame.duplicate());
            }
            cork.flush();
        }
        assertEquals(1, endPoint.asyncWrites, "one asynchronous write for the rest");
        byte[] expected = concat(frames);
        byte[] rest = endPoint.handedOver.toByteArray();
        assertTrue(rest.length > 0 && rest.length < expected.length, "part written directly, part handed over");
        assertEquals(rest.length, socket.bufferedBytes(), "the rest counts against the socket's budget");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(read(expected.length - rest.length));
        all.writeBytes(rest);
        assertArrayEquals(expected, all.toByteArray());
    }

    @Test
    @DisplayName("a close frame written with them ends the output, as after an asynchronous write")
    void closeWrittenDirectly() throws IOException {
        SocketConnection socket = socket();
        ByteBuffer a = Frames.text("last".getBytes());
        try (Cork ignored = Cork.open(64)) {
            socket.deliver(a.duplicate());
            socket.close(1000, "bye"); // queued behind the held frame: both go out in one write
        }
        assertEquals(0, endPoint.asyncWrites);
        byte[] expected = concat(a, Frames.close(1000, "bye"));
        assertArrayEquals(expected, read(expected.length));
        client.socket().setSoTimeout(5_000);
        assertEquals(-1, client.socket().getInputStream().read(), "the output is shut down after the close frame");
    }

    private SocketConnection socket() {
        return TestSockets.writingTo(endPoint, 4L << 20, () -> {
        });
    }

    /** Reads exactly {@code n} bytes the socket wrote, waiting at most five seconds. */
    private byte[] read(int n) throws IOException {
        client.socket().setSoTimeout(5_000);
        InputStream in = client.socket().getInputStream();
        return in.readNBytes(n);
    }

    private static byte[] concat(ByteBuffer... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuffer frame : frames) {
            ByteBuffer view = frame.duplicate();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            all.writeBytes(bytes);
        }
        return all.toByteArray();
    }

    /**
     * Jetty's endpoint on the accepted channel, without a selector: an asynchronous write is recorded (its
     * bytes kept) instead of being waited for.
     */
    private static final class RecordingEndPoint extends SocketChannelEndPoint {
        int asyncWrites;
        final ByteArrayOutputStream handedOver = new ByteArrayOutputStream();

        RecordingEndPoint(SocketChannel channel) {
            super(channel, null, null, null);
        }

        @Override
        public void write(Callback callback, ByteBuffer... buffers) {
            asyncWrites++;
            handedOver.writeBytes(concat(buffers));
        }
    }
}
