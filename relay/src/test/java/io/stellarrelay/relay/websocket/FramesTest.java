package io.stellarrelay.relay.websocket;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("Frames")
class FramesTest {

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer view = b.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    @Test
    @DisplayName("builds unmasked text frames with the shortest length encoding RFC 6455 allows")
    void textHeaders() {
        for (int size : new int[] {0, 1, 125, 126, 1194, 65535, 65536, 70000}) {
            byte[] payload = "a".repeat(size).getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = Frames.text(payload);
            byte[] b = bytes(frame);
            assertEquals((byte) 0x81, b[0], "FIN and text opcode");
            int header = size < 126 ? 2 : size < 65536 ? 4 : 10;
            assertEquals(header + size, b.length, "size " + size);
            assertEquals(size < 126 ? size : size < 65536 ? 126 : 127, b[1] & 0xFF, "no mask bit, length marker");
            assertEquals(ByteBuffer.wrap(payload), Frames.payloadOf(frame));
            assertTrue(frame.isReadOnly(), "shared frames cannot be changed by a socket");
            ByteBuffer message = ByteBuffer.wrap(payload).asReadOnlyBuffer();
            assertEquals(frame, Frames.text(message), "the same frame from a buffer");
            assertEquals(size, message.remaining(), "the message is left as it was");
        }
    }

    @Test
    @DisplayName("builds close frames with code and reason, cut to 123 bytes without splitting a character")
    void closeFrames() {
        byte[] b = bytes(Frames.close(4010, "Client too slow"));
        assertEquals((byte) 0x88, b[0]);
        assertEquals(2 + 15, b[1]);
        assertEquals(4010, ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));

        byte[] cut = bytes(Frames.close(1000, "é".repeat(100)));
        assertEquals(2 + 2 + 122, cut.length, "61 two-byte characters fit in 123 bytes");
        assertEquals(0, bytes(Frames.close(-1, null)).length - 2, "an answer to a close frame without a code is empty");
    }
}
