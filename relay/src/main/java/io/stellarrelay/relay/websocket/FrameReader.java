package io.stellarrelay.relay.websocket;

import io.stellarrelay.protocol.Utf8;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads client frames (RFC 6455, section 5) from a buffer, one event at a time, without a socket: what a
 * connection feeds it is all it sees, so every rule here is tested with plain byte arrays.
 *
 * <p>Client frames must be masked, carry no reserved bits and use only the six defined opcodes; control
 * frames are unfragmented and at most 125 bytes; a message (all its fragments) is at most
 * {@code maxMessageBytes}, and a text message is valid UTF-8. A violation is reported once with the close
 * code it calls for, after which the reader stops delivering data: it skips the rest of a frame that was
 * too large, or everything when the stream itself is broken, but still reports the client's close frame,
 * so the close handshake can finish while a client keeps sending.
 */
final class FrameReader {

    /** What a frame amounted to. Each call may block the reader's caller only as long as it takes. */
    interface Listener {
        /** A complete text message, valid UTF-8. */
        void text(byte[] utf8);

        /** A complete binary message (the relay has no use for its content). */
        void binary();

        void ping(byte[] payload);

        void pong();

        /** The client's close frame; {@code code} is -1 when it carried none. */
        void peerClose(int code, String reason);

        /** The client broke the protocol; the connection should close with {@code code}. */
        void violation(int code, String reason);
    }

    static final int PROTOCOL_ERROR = 1002;
    static final int INVALID_PAYLOAD = 1007;
    static final int MESSAGE_TOO_BIG = 1009;
    /** Largest header: 2 bytes, 8 of extended length, 4 of mask. */
    static final int MAX_HEADER = 14;

    private final int maxMessageBytes;
    private int messageOpcode = -1; // TEXT or BINARY while a fragmented message is open
    private byte[] assembled;       // the fragments so far of a fragmented message
    private int assembledLength;
    private long skip;              // payload bytes still to throw away
    private boolean discarding;     // data frames are skipped unread; only close frames are reported
    private boolean broken;         // the stream cannot be framed any more: everything is skipped

    FrameReader(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** From now on data frames are skipped without being buffered; close frames are still reported. */
    void discardData() {
        discarding = true;
        assembled = null;
        messageOpcode = -1;
    }

    /**
     * Consumes frames from {@code in} until one has an event for {@code listener}; true when one was
     * reported (call again for the next), false when {@code in} holds no complete frame any more (the
     * bytes of an incomplete one are left in place).
     */
    boolean read(ByteBuffer in, Listener listener) {
        while (true) {
            if (broken) {
                in.position(in.limit());
                return false;
            }
            if (skip > 0) {
                int n = (int) Math.min(skip, in.remaining());
                in.position(in.position() + n);
                skip -= n;
                if (skip > 0) {
                    return false;
                }
            }
            int start = in.position();
            if (in.remaining() < 1) {
                return false;
            }
            // Each byte is judged as soon as it is there, so a broken stream is refused at once, not after
            // the relay has waited for the rest of a header that will never make sense.
            int b0 = in.get(start) & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            boolean control = (opcode & 0x8) != 0;
            String problem = (b0 & 0x70) != 0 ? "Reserved bits set"
                    : !isDefined(opcode) ? "Unknown opcode " + opcode
                    : control && !fin ? "Fragmented control frame"
                    : null;
            if (problem != null) {
                return fail(listener, PROTOCOL_ERROR, problem);
            }
            if (in.remaining() < 2) {
                return false;
            }
            int b1 = in.get(start + 1) & 0xFF;
            boolean masked = (b1 & 0x80) != 0;
            int length7 = b1 & 0x7F;
            problem = !masked ? "Client frame not masked"
                    : control && length7 > Frames.MAX_CONTROL_PAYLOAD ? "Control frame too long"
                    : null;
            if (problem != null) {
                return fail(listener, PROTOCOL_ERROR, problem);
            }
            int header = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
            if (in.remaining() < header) {
                return false;
            }
            long length = length7 < 126 ? length7
                    : length7 == 126 ? in.getShort(start + 2) & 0xFFFF : in.getLong(start + 2);
            if (!control && (discarding || tooBig(length))) {
                in.position(start + header);
                skip = length < 0 ? Long.MAX_VALUE : length;
                if (discarding) {
                    continue;
                }
                discardData();
                listener.violation(MESSAGE_TOO_BIG, "Message too big");
                return true;
            }
            if (in.remaining() < header + length) {
                return false; // the frame is not all here yet
            }
            int size = (int) length;
            byte[] payload = new byte[size];
            int maskAt = start + header - 4;
            int dataAt = start + header;
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) (in.get(dataAt + i) ^ in.get(maskAt + (i & 3)));
            }
            in.position(dataAt + size);

            if (control) {
                if (report(opcode, payload, listener)) {
                    return true;
                }
                continue;
            }
            if (opcode == Frames.CONTINUATION && messageOpcode < 0) {
                return fail(listener, PROTOCOL_ERROR, "Continuation without a message");
            }
            if (opcode != Frames.CONTINUATION && messageOpcode >= 0) {
                return fail(listener, PROTOCOL_ERROR, "New message inside a fragmented one");
            }
            if (opcode != Frames.CONTINUATION) {
                if (fin) {
                    return message(opcode, payload, listener);
                }
                messageOpcode = opcode;
                assembled = payload;
                assembledLength = size;
                continue;
            }
            append(payload);
            if (fin) {
                int type = messageOpcode;
                byte[] whole = java.util.Arrays.copyOf(assembled, assembledLength);
                messageOpcode = -1;
                assembled = null;
                assembledLength = 0;
                return message(type, whole, listener);
            }
        }
    }

    private boolean tooBig(long length) {
        return length < 0 || assembledLength + length > maxMessageBytes;
    }

    private void append(byte[] fragment) {
        if (assembled.length < assembledLength + fragment.length) {
            assembled = java.util.Arrays.copyOf(assembled,
                    Math.min(maxMessageBytes, Math.max(assembled.length * 2, assembledLength + fragment.length)));
        }
        System.arraycopy(fragment, 0, assembled, assembledLength, fragment.length);
        assembledLength += fragment.length;
    }

    private boolean message(int opcode, byte[] payload, Listener listener) {
        if (opcode == Frames.BINARY) {
            listener.binary();
            return true;
        }
        if (!Utf8.isWellFormed(payload)) {
            discardData();
            listener.violation(INVALID_PAYLOAD, "Invalid UTF-8 in a text frame");
            return true;
        }
        listener.text(payload);
        return true;
    }

    /** Reports a control frame; false when it is one the caller need not hear of (while discarding). */
    private boolean report(int opcode, byte[] payload, Listener listener) {
        switch (opcode) {
            case Frames.PING -> {
                if (discarding) {
                    return false;
                }
                listener.ping(payload);
            }
            case Frames.PONG -> listener.pong();
            default -> {
                return closeFrame(payload, listener);
            }
        }
        return true;
    }

    private boolean closeFrame(byte[] payload, Listener listener) {
        if (payload.length == 0) {
            listener.peerClose(-1, "");
            return true;
        }
        if (payload.length == 1) {
            return fail(listener, PROTOCOL_ERROR, "Close frame of one byte");
        }
        int code = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        if (!isValidCloseCode(code)) {
            return fail(listener, PROTOCOL_ERROR, "Invalid close code " + code);
        }
        byte[] reason = java.util.Arrays.copyOfRange(payload, 2, payload.length);
        if (!Utf8.isWellFormed(reason)) {
            discardData();
            listener.violation(INVALID_PAYLOAD, "Invalid UTF-8 in a close reason");
            return true;
        }
        listener.peerClose(code, new String(reason, StandardCharsets.UTF_8));
        return true;
    }

    private boolean fail(Listener listener, int code, String reason) {
        broken = true;
        discardData();
        listener.violation(code, reason);
        return true;
    }

    private static boolean isDefined(int opcode) {
        return opcode <= Frames.BINARY || (opcode >= Frames.CLOSE && opcode <= Frames.PONG);
    }

    /** Codes a peer may send (RFC 6455, 7.4): not 1004-1006 or 1015, nothing below 1000, nothing unassigned. */
    static boolean isValidCloseCode(int code) {
        return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006)
                || (code >= 3000 && code <= 4999);
    }
}
