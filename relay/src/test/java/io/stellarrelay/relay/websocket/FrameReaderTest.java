package io.stellarrelay.relay.websocket;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@DisplayName("FrameReader")
class FrameReaderTest {
    private static final int MAX = 64;
    private static final byte[] MASK = {0x11, 0x22, 0x33, 0x44};

    /** Writes down every event as one line. */
    private static final class Events implements FrameReader.Listener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void text(byte[] utf8) {
            seen.add("text " + new String(utf8, StandardCharsets.UTF_8));
        }

        @Override
        public void binary() {
            seen.add("binary");
        }

        @Override
        public void ping(byte[] payload) {
            seen.add("ping " + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void pong() {
            seen.add("pong");
        }

        @Override
        public void peerClose(int code, String reason) {
            seen.add("close " + code + " " + reason);
        }

        @Override
        public void violation(int code, String reason) {
            seen.add("violation " + code);
        }
    }

    private final FrameReader reader = new FrameReader(MAX);
    private final Events events = new Events();

    /** A client frame: masked unless told otherwise. */
    static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >>> shift));
            }
        }
        if (masked) {
            out.writeBytes(MASK);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ MASK[i & 3] : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] text(String s) {
        return frame(true, 0, Frames.TEXT, utf8(s), true);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Feeds all bytes at once and reads every event. */
    private List<String> readAll(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        while (reader.read(in, events)) {
            // next event
        }
        return events.seen;
    }

    @Test
    @DisplayName("unmasks text messages and reports them one at a time, in order")
    void readsTextInOrder() {
        assertEquals(List.of("text {\"type\":\"ping\"}", "text héllo"),
                readAll(concat(text("{\"type\":\"ping\"}"), text("héllo"))));
    }

    @Test
    @DisplayName("leaves an incomplete frame in place and reads it once the rest arrives, byte by byte")
    void waitsForTheRestOfAFrame() {
        byte[] bytes = concat(text("first"), text("second"));
        ByteBuffer in = ByteBuffer.allocate(bytes.length);
        for (byte b : bytes) {
            in.put(b);
            in.flip();
            while (reader.read(in, events)) {
                // next event
            }
            in.compact();
        }
        assertEquals(List.of("text first", "text second"), events.seen);
    }

    @Test
    @DisplayName("joins fragments, with a ping between them, into one message")
    void joinsFragments() {
        assertEquals(List.of("ping p", "text hello world"), readAll(concat(
                frame(false, 0, Frames.TEXT, utf8("hello"), true),
                frame(true, 0, Frames.PING, utf8("p"), true),
                frame(true, 0, Frames.CONTINUATION, utf8(" world"), true))));
    }

    @Test
    @DisplayName("refuses a message over the limit with 1009, also when only its fragments add up to too much")
    void refusesTooBig() {
        assertEquals(List.of("violation 1009"), readAll(text("x".repeat(MAX + 1))));
        FrameReader fresh = new FrameReader(MAX);
        Events seen = new Events();
        ByteBuffer in = ByteBuffer.wrap(concat(frame(false, 0, Frames.TEXT, utf8("x".repeat(40)), true),
                frame(true, 0, Frames.CONTINUATION, utf8("x".repeat(40)), true)));
        while (fresh.read(in, seen)) {
            // next event
        }
        assertEquals(List.of("violation 1009"), seen.seen);
    }

    @Test
    @DisplayName("after a message that was too big, skips it and what follows but still reports the close frame")
    void stillSeesTheCloseFrameAfterTooBig() {
        assertEquals(List.of("violation 1009", "close 1000 bye"), readAll(concat(
                text("x".repeat(5 * MAX)), text("ignored"), frame(true, 0, Frames.PING, new byte[0], true),
                frame(true, 0, Frames.CLOSE, concat(new byte[] {0x03, (byte) 0xE8}, utf8("bye")), true))));
    }

    @Test
    @DisplayName("treats a length beyond 2^63 as too big, not as a small frame")
    void hugeLengthIsTooBig() {
        byte[] header = {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
        assertEquals(List.of("violation 1009"), readAll(header));
    }

    @Test
    @DisplayName("reports framing violations with 1002 and reads nothing after them")
    void protocolErrors() {
        List<byte[]> broken = List.of(
                frame(true, 0, Frames.TEXT, utf8("unmasked"), false),
                frame(true, 1, Frames.TEXT, utf8("rsv"), true),
                frame(true, 0, 3, utf8("opcode 3"), true),
                frame(true, 0, 11, utf8("opcode 11"), true),
                frame(false, 0, Frames.PING, utf8("fragmented ping"), true),
                frame(true, 0, Frames.PONG, new byte[126], true),
                frame(true, 0, Frames.CONTINUATION, utf8("orphan"), true),
                frame(true, 0, Frames.CLOSE, new byte[] {3}, true),
                frame(true, 0, Frames.CLOSE, new byte[] {0x03, (byte) 0xED}, true), // 1005 may not be sent
                utf8("GET / HTTP/1.1\r\n\r\n"));
        for (byte[] bad : broken) {
            FrameReader fresh = new FrameReader(MAX);
            Events seen = new Events();
            ByteBuffer in = ByteBuffer.wrap(concat(bad, text("after")));
            while (fresh.read(in, seen)) {
                // next event
            }
            assertEquals(List.of("violation 1002"), seen.seen);
            assertFalse(in.hasRemaining(), "everything after a violation is consumed");
        }
        assertEquals(List.of("violation 1002"), readAll(concat(frame(false, 0, Frames.TEXT, utf8("a"), true),
                text("a new message inside a fragmented one"))));
    }

    @Test
    @DisplayName("refuses a bad first byte, or an unmasked second, without waiting for the rest of the header")
    void refusesEarly() {
        assertEquals(List.of("violation 1002"), readAll(new byte[] {(byte) 0xAF}));
        FrameReader fresh = new FrameReader(MAX);
        Events seen = new Events();
        fresh.read(ByteBuffer.wrap(new byte[] {(byte) 0x81, 0x7E}), seen);
        assertEquals(List.of("violation 1002"), seen.seen);
    }

    @Test
    @DisplayName("refuses invalid UTF-8 in a text message or a close reason with 1007")
    void invalidUtf8() {
        assertEquals(List.of("violation 1007"),
                readAll(frame(true, 0, Frames.TEXT, new byte[] {'o', 'k', (byte) 0xFF}, true)));
        FrameReader fresh = new FrameReader(MAX);
        Events seen = new Events();
        ByteBuffer in = ByteBuffer.wrap(frame(true, 0, Frames.CLOSE, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3}, true));
        while (fresh.read(in, seen)) {
            // next event
        }
        assertEquals(List.of("violation 1007"), seen.seen);
    }

    @Test
    @DisplayName("reports a close frame's code and reason, and -1 for a close frame without a code")
    void closeFrames() {
        assertEquals(List.of("close 4000 done", "close -1 "), readAll(concat(
                frame(true, 0, Frames.CLOSE, concat(new byte[] {0x0F, (byte) 0xA0}, utf8("done")), true),
                frame(true, 0, Frames.CLOSE, new byte[0], true))));
    }

    @Test
    @DisplayName("while discarding, skips data and pings unread but reports pongs and the close frame")
    void discarding() {
        reader.discardData();
        assertEquals(List.of("pong", "close 1001 "), readAll(concat(text("x".repeat(3 * MAX)),
                frame(true, 0, Frames.BINARY, new byte[10], true), frame(true, 0, Frames.PING, new byte[0], true),
                frame(true, 0, Frames.PONG, new byte[0], true),
                frame(true, 0, Frames.CLOSE, new byte[] {0x03, (byte) 0xE9}, true))));
    }

    @Test
    @DisplayName("accepts exactly the close codes a peer may send")
    void closeCodes() {
        for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}) {
            assertEquals(true, FrameReader.isValidCloseCode(code), Integer.toString(code));
        }
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertEquals(false, FrameReader.isValidCloseCode(code), Integer.toString(code));
        }
    }
}
