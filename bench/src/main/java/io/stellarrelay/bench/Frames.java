package io.stellarrelay.bench;

import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.protocol.ServerState;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Everything the generator knows about frames, working on raw bytes only: the relay forwards the
 * published bytes untouched, so a frame's kind is told by a fixed prefix, and a benchmark sync carries
 * its send time as the first field of {@code data}, found by a fixed marker and read as fixed-width
 * digits. No JSON is parsed per frame.
 */
public final class Frames {
    private Frames() {}

    static final byte[] SYNC = ascii("{\"type\":\"server:sync\"");
    static final byte[] AUTH_SUCCESS = ascii("{\"type\":\"auth_success\"");
    static final byte[] AUTH_ERROR = ascii("{\"type\":\"auth_error\"");
    static final byte[] SUBSCRIBED = ascii("{\"type\":\"subscribed\"");
    static final byte[] ERROR = ascii("{\"type\":\"error\"");
    static final byte[] PONG = ascii("{\"type\":\"pong\"");
    static final byte[] STATUS = ascii("{\"type\":\"server:status\"");
    static final byte[] CONSOLE = ascii("{\"type\":\"server:console\"");
    private static final byte[] DROPPED = ascii("\"dropped\":");
    private static final byte[] SERVER_ID = ascii("\"serverId\":\"");

    /** Marker of the send timestamp; it is the first field of {@code data}. */
    public static final String SENT_FIELD = "benchSentNanos";
    static final byte[] SENT_MARKER = ascii("\"data\":{\"" + SENT_FIELD + "\":");
    /**
     * The timestamp is written right-aligned in this many characters, padded with spaces (JSON allows
     * whitespace before a value; leading zeros it does not), so its position and length never vary.
     */
    public static final int SENT_DIGITS = 19;
    /**
     * Stamps are nanoseconds since this moment of the generator's JVM (publisher and receivers are the
     * same process), so they are never negative whatever origin {@link System#nanoTime()} has.
     */
    static final long EPOCH = System.nanoTime();
    /** The marker is searched for only this far into a frame (it sits right after type and serverId). */
    static final int SEARCH_LIMIT = 320;

    public enum Kind { SYNC, STATUS, CONSOLE, AUTH_SUCCESS, AUTH_ERROR, SUBSCRIBED, ERROR, PONG, OTHER }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The kind of a text frame, by its first bytes (the relay and poller always write "type" first). */
    public static Kind kind(ByteBuffer payload) {
        if (startsWith(payload, SYNC)) {
            return Kind.SYNC;
        }
        if (startsWith(payload, CONSOLE)) {
            return Kind.CONSOLE;
        }
        if (startsWith(payload, STATUS)) {
            return Kind.STATUS;
        }
        if (startsWith(payload, SUBSCRIBED)) {
            return Kind.SUBSCRIBED;
        }
        if (startsWith(payload, AUTH_SUCCESS)) {
            return Kind.AUTH_SUCCESS;
        }
        if (startsWith(payload, AUTH_ERROR)) {
            return Kind.AUTH_ERROR;
        }
        if (startsWith(payload, ERROR)) {
            return Kind.ERROR;
        }
        if (startsWith(payload, PONG)) {
            return Kind.PONG;
        }
        return Kind.OTHER;
    }

    static boolean startsWith(ByteBuffer b, byte[] prefix) {
        int p = b.position();
        if (b.limit() - p < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.get(p + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static volatile int markerHint;

    static boolean matchesAt(ByteBuffer b, byte[] needle, int at) {
        int p = b.position() + at;
        if (b.limit() - p < needle.length) {
            return false;
        }
        for (int i = 0; i < needle.length; i++) {
            if (b.get(p + i) != needle[i]) {
                return false;
            }
        }
        return true;
    }

    /** Index (relative to the buffer's position) where {@code needle} starts within the first {@code limit} bytes, or -1. */
    static int indexOf(ByteBuffer b, byte[] needle, int from, int limit) {
        int base = b.position();
        int end = Math.min(b.remaining(), limit) - needle.length;
        byte first = needle[0];
        outer:
        for (int i = from; i <= end; i++) {
            if (b.get(base + i) != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (b.get(base + i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The send time ({@link System#nanoTime()} of the generator) carried by a benchmark sync frame, or -1
     * when the frame carries none (a real poller's sync, or anything else).
     */
    public static long sentNanos(ByteBuffer payload) {
        // Benchmark server ids have one width, so the marker is nearly always where it was last time.
        int hint = markerHint;
        int at = hint > 0 && matchesAt(payload, SENT_MARKER, hint) ? hint
                : indexOf(payload, SENT_MARKER, SYNC.length, SEARCH_LIMIT);
        if (at < 0) {
            return -1;
        }
        if (at != hint) {
            markerHint = at;
        }
        int start = payload.position() + at + SENT_MARKER.length;
        if (payload.limit() - start < SENT_DIGITS) {
            return -1;
        }
        int i = 0;
        while (i < SENT_DIGITS - 1 && payload.get(start + i) == ' ') {
            i++;
        }
        long v = 0;
        for (; i < SENT_DIGITS; i++) {
            int d = payload.get(start + i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v + EPOCH;
    }

    /** The {@code serverId} of a sync or subscribed frame (only the first {@link #SEARCH_LIMIT} bytes are searched), or null. */
    public static String serverId(ByteBuffer payload) {
        int at = indexOf(payload, SERVER_ID, 0, SEARCH_LIMIT);
        if (at < 0) {
            return null;
        }
        int start = payload.position() + at + SERVER_ID.length;
        int end = start;
        int max = Math.min(payload.limit(), start + ProtocolCodec.MAX_SERVER_ID_LENGTH + 1);
        while (end < max && payload.get(end) != '"') {
            end++;
        }
        if (end >= max) {
            return null;
        }
        byte[] id = new byte[end - start];
        for (int i = 0; i < id.length; i++) {
            id[i] = payload.get(start + i);
        }
        return new String(id, StandardCharsets.UTF_8);
    }

    /** How often {@code needle} occurs in the frame (console lines carrying a known marker). */
    static int count(ByteBuffer payload, byte[] needle) {
        int n = 0;
        int limit = payload.remaining();
        for (int at = indexOf(payload, needle, 0, limit); at >= 0; at = indexOf(payload, needle, at + needle.length, limit)) {
            n++;
        }
        return n;
    }

    /** The {@code dropped} count of a {@code server:console} frame (written last, so searched near the end), or 0. */
    static long dropped(ByteBuffer payload) {
        int from = Math.max(0, payload.remaining() - 40);
        int at = indexOf(payload, DROPPED, from, payload.remaining());
        if (at < 0) {
            return 0;
        }
        long v = 0;
        for (int i = payload.position() + at + DROPPED.length; i < payload.limit(); i++) {
            int d = payload.get(i) - '0';
            if (d < 0 || d > 9) {
                break;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** The frame as text: only for rare frames (errors) and tests, never per sync. */
    static String text(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * A benchmark frame carrying its send time as the first field of {@code data}: a {@code server:sync}
     * as the poller would publish it (same encoder, same field order), padded with a trailing
     * {@code benchPad} string to the requested size, or a {@code server:status} event. {@link #stamp}
     * writes a time into a copy.
     */
    public static final class Stamped {
        private final byte[] template;
        private final int timestampOffset;

        Stamped(byte[] template, int timestampOffset) {
            this.template = template;
            this.timestampOffset = timestampOffset;
        }

        public static Stamped sync(ProtocolCodec codec, String serverId, int index, int payloadBytes) {
            return of(codec.encodeToBytes(new ServerMessage.ServerSync(serverId, realisticState(serverId, index))),
                    payloadBytes);
        }

        /** A {@code server:status} event of the live events contract, {@code "running"}. */
        public static Stamped status(ProtocolCodec codec, String serverId) {
            return of(codec.encodeToBytes(new ServerMessage.ServerStatus(serverId,
                    new ServerMessage.ServerStatus.Status("running"))), 0);
        }

        private static Stamped of(byte[] real, int payloadBytes) {
            String json = new String(real, StandardCharsets.UTF_8);
            String dataStart = "\"data\":{";
            int at = json.indexOf(dataStart);
            if (at < 0 || !json.endsWith("}}")) {
                throw new IllegalStateException("unexpected frame shape: " + json);
            }
            String head = json.substring(0, at + dataStart.length());
            String stampField = "\"" + SENT_FIELD + "\":" + " ".repeat(SENT_DIGITS - 1) + "0,";
            String body = json.substring(at + dataStart.length(), json.length() - 2);
            StringBuilder sb = new StringBuilder(head).append(stampField).append(body);
            int without = sb.length() + 2;
            String padField = ",\"benchPad\":\"\"";
            if (without + padField.length() < payloadBytes) {
                sb.append(",\"benchPad\":\"").append("x".repeat(payloadBytes - without - padField.length())).append('"');
            }
            sb.append("}}");
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            return new Stamped(bytes, head.length() + SENT_FIELD.length() + 3);
        }

        /** A fresh copy of the frame carrying {@code nanos} (a {@link System#nanoTime()} of this JVM). */
        public byte[] stamp(long nanos) {
            byte[] out = template.clone();
            long v = Math.max(0, nanos - EPOCH);
            int i = timestampOffset + SENT_DIGITS - 1;
            do {
                out[i--] = (byte) ('0' + (v % 10));
                v /= 10;
            } while (v > 0 && i >= timestampOffset);
            return out;
        }

        public int size() {
            return template.length;
        }
    }

    /** A server state with the field values a real panel shows (names, a node, two allocations). */
    static ServerState realisticState(String serverId, int index) {
        String nodeId = "bnode_" + (index % 10) + "_0123456789abcdef";
        ServerState.Node node = new ServerState.Node(nodeId, nodeId.substring(0, 8), "EU-West-" + (index % 10),
                "node" + (index % 10) + ".example.com", 8443, "https", 2022, true,
                "node" + (index % 10) + ".example.com", 8443, new ServerState.Location("bloc_0", "Frankfurt, DE"));
        List<ServerState.Allocation> allocations = List.of(
                new ServerState.Allocation("ba_" + index + "_a", "192.0.2.10", 25565 + (index % 1000), true),
                new ServerState.Allocation("ba_" + index + "_b", "192.0.2.10", 35565 + (index % 1000), false));
        return new ServerState(serverId, serverId.substring(Math.max(0, serverId.length() - 8)),
                "Survival world " + index, "running", false, "container_" + serverId + "_4f9c2a",
                4096, 20480, 150.5, null, -1, false, 3, nodeId, "bbp_0", "bu_" + index,
                Instant.parse("2026-03-01T12:00:00.000Z"), Instant.parse("2026-03-02T08:15:30.125Z"),
                node, allocations, new ServerState.Blueprint("bbp_0", "Minecraft Java"));
    }
}
