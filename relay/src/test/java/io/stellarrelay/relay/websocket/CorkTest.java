package io.stellarrelay.relay.websocket;

import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A socket on an in-memory endpoint that counts its write system calls (flushes). */
@DisplayName("Cork")
class CorkTest {
    private static final ByteBuffer A = Frames.text("a".getBytes(StandardCharsets.UTF_8));
    private static final ByteBuffer B = Frames.text("bb".getBytes(StandardCharsets.UTF_8));
    private static final ByteBuffer C = Frames.text("ccc".getBytes(StandardCharsets.UTF_8));

    private final CountingEndPoint endPoint = new CountingEndPoint();
    private final AtomicInteger overflows = new AtomicInteger();

    @AfterEach
    void noCorkLeftOpen() {
        Cork cork = Cork.current();
        if (cork != null) {
            cork.close();
        }
    }

    @Test
    @DisplayName("without a cork, each shared frame is written at once, one write each")
    void uncorkedWritesAtOnce() {
        SocketConnection socket = socket(1 << 20);
        socket.deliver(A.duplicate());
        assertArrayEquals(bytes(A), endPoint.written());
        socket.deliver(B.duplicate());
        assertArrayEquals(bytes(A, B), endPoint.written());
        assertEquals(2, endPoint.flushes.get());
    }

    @Test
    @DisplayName("holds a socket's frames until the flush, then writes them in order in one write")
    void holdsUntilFlush() {
        SocketConnection socket = socket(1 << 20);
        try (Cork cork = Cork.open(64)) {
            socket.deliver(A.duplicate());
            socket.deliver(B.duplicate());
            socket.deliver(C.duplicate());
            assertArrayEquals(new byte[0], endPoint.written(), "nothing before the flush");
            assertEquals(3, cork.heldFrames());
            cork.flush();
            assertEquals(0, cork.heldFrames());
        }
        assertArrayEquals(bytes(A, B, C), endPoint.written());
        assertEquals(1, endPoint.flushes.get(), "one gathering write for three frames");
    }

    @Test
    @DisplayName("the caller's view may be reused after delivery: a held frame keeps its own")
    void keepsItsOwnView() {
        SocketConnection socket = socket(1 << 20);
        try (Cork cork = Cork.open(64)) {
            ByteBuffer view = A.duplicate();
            socket.deliver(view);
            view.position(view.limit()); // what the hub does with its one view before the next socket
            cork.flush();
        }
        assertArrayEquals(bytes(A), endPoint.written());
    }

    @Test
    @DisplayName("a frame written from a thread without a cork goes out after the held ones, taking them along")
    void otherThreadsKeepOrder() throws Exception {
        SocketConnection socket = socket(1 << 20);
        try (Cork cork = Cork.open(64)) {
            socket.deliver(A.duplicate());
            CompletableFuture.runAsync(() -> socket.deliver(B.duplicate())).get();
            assertArrayEquals(bytes(A, B), endPoint.written());
            socket.send(C.duplicate()); // the socket's own frames are never held
            assertArrayEquals(bytes(A, B, C), endPoint.written());
            cork.flush();
        }
        assertArrayEquals(bytes(A, B, C), endPoint.written(), "nothing twice");
    }

    @Test
    @DisplayName("a close goes out after the held frames")
    void closeAfterHeld() {
        SocketConnection socket = socket(1 << 20);
        try (Cork cork = Cork.open(64)) {
            socket.deliver(A.duplicate());
            socket.close(1000, "bye");
            cork.flush();
        }
        assertArrayEquals(bytes(A, Frames.close(1000, "bye")), endPoint.written());
    }

    @Test
    @DisplayName("held frames never make a reading socket overflow its budget: they are written instead")
    void heldFramesDoNotOverflow() {
        SocketConnection socket = socket(A.remaining() * 2L);
        try (Cork cork = Cork.open(64)) {
            for (int i = 0; i < 5; i++) {
                socket.deliver(A.duplicate());
            }
            cork.flush();
        }
        assertEquals(0, overflows.get());
        assertArrayEquals(bytes(A, A, A, A, A), endPoint.written());
    }

    @Test
    @DisplayName("a cork that is not holding writes at once, and still flushes what it held before")
    void notHolding() {
        SocketConnection first = socket(1 << 20);
        try (Cork cork = Cork.open(64)) {
            first.deliver(A.duplicate());
            cork.holding(false);
            first.deliver(B.duplicate()); // behind the held frame: queued, and written with it
            assertArrayEquals(bytes(A, B), endPoint.written());
            first.deliver(C.duplicate());
            assertArrayEquals(bytes(A, B, C), endPoint.written(), "written at once");
            cork.flush();
        }
        assertArrayEquals(bytes(A, B, C), endPoint.written(), "nothing twice");
    }

    @Test
    @DisplayName("flushIfFull writes the held frames once the bound is reached, and not before")
    void flushesAtItsBound() {
        SocketConnection socket = socket(1 << 20);
        try (Cork cork = Cork.open(2)) {
            socket.deliver(A.duplicate());
            cork.flushIfFull();
            assertArrayEquals(new byte[0], endPoint.written(), "one frame is below the bound");
            socket.deliver(B.duplicate());
            cork.flushIfFull();
            assertArrayEquals(bytes(A, B), endPoint.written());
            assertEquals(0, cork.heldFrames());
        }
    }

    @Test
    @DisplayName("one cork per thread")
    void onePerThread() {
        try (Cork ignored = Cork.open(64)) {
            assertThrows(IllegalStateException.class, () -> Cork.open(64));
        }
        assertNull(Cork.current(), "closing it removes it from the thread");
    }

    private SocketConnection socket(long budget) {
        return TestSockets.writingTo(endPoint, budget, overflows::incrementAndGet);
    }

    private static byte[] bytes(ByteBuffer... frames) {
        ByteBuffer all = ByteBuffer.allocate(1024);
        for (ByteBuffer frame : frames) {
            all.put(frame.duplicate());
        }
        byte[] out = new byte[all.position()];
        all.flip().get(out);
        return out;
    }

    private static final class CountingEndPoint extends ByteArrayEndPoint {
        final AtomicInteger flushes = new AtomicInteger();
        private final ByteBuffer all = ByteBuffer.allocate(4096);

        CountingEndPoint() {
            super(new byte[0], 4096, true); // the output grows: the kernel takes every write whole
        }

        @Override
        public boolean flush(ByteBuffer... buffers) throws IOException {
            flushes.incrementAndGet();
            return super.flush(buffers);
        }

        /** Everything written so far. */
        synchronized byte[] written() {
            all.put(takeOutput());
            byte[] out = new byte[all.position()];
            all.duplicate().flip().get(out);
            return out;
        }
    }
}
