package io.stellarrelay.relay.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Server-to-client frames as complete bytes, header included. A server frame is never masked, so a frame
 * built once is the same bytes for every socket: the fan-out builds one per Redis message and writes it
 * to each watcher as it is, with no per-socket header, frame object or copy.
 */
public final class Frames {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    private static final int FIN = 0x80;
    /** Largest payload of a control frame (RFC 6455, 5.5). */
    static final int MAX_CONTROL_PAYLOAD = 125;

    private static final ByteBuffer EMPTY_PING = frame(PING, new byte[0], 0, 0).asReadOnlyBuffer();

    private Frames() {}

    /** One unfragmented text frame carrying {@code utf8} (which must be valid UTF-8), read-only. */
    public static ByteBuffer text(byte[] utf8) {
        return frame(TEXT, utf8, 0, utf8.length).asReadOnlyBuffer();
    }

    /** {@link #text(byte[])} of the remaining bytes of {@code utf8}, which is not changed; one copy, into the frame. */
    public static ByteBuffer text(ByteBuffer utf8) {
        int length = utf8.remaining();
        return header(TEXT, length).put(utf8.duplicate()).flip().asReadOnlyBuffer();
    }

    /** The payload of a frame built here, read through a new view. */
    public static ByteBuffer payloadOf(ByteBuffer frame) {
        ByteBuffer view = frame.duplicate();
        view.position(view.position() + headerLength(view.get(view.position() + 1) & 0x7F));
        return view.slice();
    }

    /** An empty ping: one shared, read-only instance; read it through a duplicate. */
    static ByteBuffer ping() {
        return EMPTY_PING;
    }

    static ByteBuffer pong(byte[] payload) {
        return frame(PONG, payload, 0, payload.length);
    }

    /**
     * A close frame with {@code code} and {@code reason} (cut to fit a control frame), or an empty one when
     * {@code code} is negative (the answer to a close frame that carried no code).
     */
    static ByteBuffer close(int code, String reason) {
        if (code < 0) {
            return frame(CLOSE, new byte[0], 0, 0);
        }
        byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, MAX_CONTROL_PAYLOAD - 2);
        while (length > 0 && length < text.length && (text[length] & 0xC0) == 0x80) {
            length--; // never cut inside a character
        }
        byte[] payload = new byte[2 + length];
        payload[0] = (byte) (code >>> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, length);
        return frame(CLOSE, payload, 0, payload.length);
    }

    private static ByteBuffer frame(int opcode, byte[] payload, int offset, int length) {
        return header(opcode, length).put(payload, offset, length).flip();
    }

    /** A buffer of exactly one frame's size with the header written, positioned for the payload. */
    private static ByteBuffer header(int opcode, int length) {
        int lengthByte = length < 126 ? length : length < 65536 ? 126 : 127;
        ByteBuffer frame = ByteBuffer.allocate(headerLength(lengthByte) + length);
        frame.put((byte) (FIN | opcode));
        frame.put((byte) lengthByte);
        if (lengthByte == 126) {
            frame.putShort((short) length);
        } else if (lengthByte == 127) {
            frame.putLong(length);
        }
        return frame;
    }

    private static int headerLength(int lengthByte) {
        return lengthByte < 126 ? 2 : lengthByte == 126 ? 4 : 10;
    }
}
