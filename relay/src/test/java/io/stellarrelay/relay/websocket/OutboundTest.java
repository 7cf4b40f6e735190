package io.stellarrelay.relay.websocket;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Outbound")
class OutboundTest {

    @Test
    @DisplayName("is idle with nothing queued or in flight, and hands everything queued to one write")
    void batchesQueuedFrames() {
        Outbound out = new Outbound(100);
        assertTrue(out.isIdle());
        ByteBuffer a = ByteBuffer.allocate(10);
        ByteBuffer b = ByteBuffer.allocate(20);
        assertTrue(out.add(a));
        assertTrue(out.add(b));
        assertFalse(out.isIdle());
        assertArrayEquals(new ByteBuffer[] {a, b}, out.takeAll());
        assertTrue(out.isWriting());
        assertEquals(30, out.bytes());
        out.written();
        assertTrue(out.isIdle());
        assertEquals(0, out.bytes());
    }

    @Test
    @DisplayName("refuses a frame that would pass the limit, counting what is in flight")
    void boundsBytes() {
        Outbound out = new Outbound(25);
        assertTrue(out.add(ByteBuffer.allocate(20)));
        out.takeAll();
        assertFalse(out.add(ByteBuffer.allocate(6)), "20 in flight + 6 > 25");
        assertTrue(out.add(ByteBuffer.allocate(5)));
        out.addAlways(ByteBuffer.allocate(50));
        assertEquals(75, out.bytes(), "a close frame goes out whatever the limit");
    }

    @Test
    @DisplayName("drops what is queued but keeps counting the write already in flight")
    void dropsQueued() {
        Outbound out = new Outbound(100);
        out.add(ByteBuffer.allocate(10));
        out.takeAll();
        out.add(ByteBuffer.allocate(30));
        out.dropQueued();
        assertFalse(out.hasQueued());
        assertEquals(10, out.bytes());
    }
}
