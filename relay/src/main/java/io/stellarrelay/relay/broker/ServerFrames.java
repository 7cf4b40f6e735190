package io.stellarrelay.relay.broker;

import io.stellarrelay.protocol.ServerMessage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The check a message on a server channel passes before it is forwarded: it must begin with exactly
 * {@code {"type":"<type>","serverId":"<id>"}, a type that every watcher of the server may see and the
 * server id of the channel it came on. Only the first bytes are compared, without parsing or allocating,
 * so the check costs next to nothing per message; a console frame smuggled onto a server channel, or a
 * frame for another server, never reaches a socket.
 */
final class ServerFrames {
    /** Types forwarded from server channels; {@code server:console} is not one of them. */
    static final List<String> TYPES = List.of(ServerMessage.ServerSync.TYPE, ServerMessage.ServerStatus.TYPE,
            ServerMessage.ServerStats.TYPE);

    private static final byte[] START = utf8("{\"type\":\"");
    private static final byte[][] TYPE_THEN_ID = TYPES.stream()
            .map(type -> utf8(type + "\",\"serverId\":\""))
            .toArray(byte[][]::new);

    private ServerFrames() {}

    /**
     * The type of {@code frame} (one of {@link #TYPES}) when it starts like a frame of an allowed type for
     * the server whose id is the bytes of {@code channel} from {@code idOffset} on; else null.
     */
    static String forwardableType(byte[] frame, byte[] channel, int idOffset) {
        if (!regionEquals(frame, 0, START)) {
            return null;
        }
        int at = START.length;
        int type = -1;
        for (int i = 0; i < TYPE_THEN_ID.length; i++) {
            if (regionEquals(frame, at, TYPE_THEN_ID[i])) {
                type = i;
                break;
            }
        }
        if (type < 0) {
            return null;
        }
        byte[] matched = TYPE_THEN_ID[type];
        at += matched.length;
        byte[] escaped = jsonEscapedId(channel, idOffset);
        byte[] id = escaped == null ? channel : escaped;
        int from = escaped == null ? idOffset : 0;
        if (!regionEquals(frame, at, id, from, id.length)) {
            return null;
        }
        at += id.length - from;
        return at < frame.length && frame[at] == '"' ? TYPES.get(type) : null;
    }

    /**
     * The id as it appears inside a JSON string, or null when that is the channel's bytes themselves
     * (the usual case: panel ids hold no quote or backslash, and ids with control characters are never
     * subscribed to).
     */
    private static byte[] jsonEscapedId(byte[] channel, int idOffset) {
        for (int i = idOffset; i < channel.length; i++) {
            if (channel[i] == '"' || channel[i] == '\\') {
                String id = new String(channel, idOffset, channel.length - idOffset, StandardCharsets.UTF_8);
                return utf8(id.replace("\\", "\\\\").replace("\"", "\\\""));
            }
        }
        return null;
    }

    private static boolean regionEquals(byte[] frame, int at, byte[] expected) {
        return regionEquals(frame, at, expected, 0, expected.length);
    }

    /** Whether {@code frame} holds {@code expected[from..to)} at {@code at}. */
    private static boolean regionEquals(byte[] frame, int at, byte[] expected, int from, int to) {
        int length = to - from;
        return frame.length - at >= length && Arrays.equals(frame, at, at + length, expected, from, to);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
