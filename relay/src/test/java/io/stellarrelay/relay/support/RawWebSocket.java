package io.stellarrelay.relay.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client over a plain socket that sends any bytes a hostile client could: frames with any
 * opcode, reserved bits, length and masking, invalid UTF-8, fragments, or no valid frame at all. It reads
 * the server's frames one at a time; every read is bounded by the socket timeout.
 *
 * <p>Not thread-safe: one thread drives one socket.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** The largest server frame this client accepts; the relay never sends anything near it. */
    private static final int MAX_READ_PAYLOAD = 1 << 20;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** One frame from the server. */
    public record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame; 1005 (no status) when it has none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        public String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }

        @Override
        public String toString() {
            return switch (opcode) {
                case TEXT -> "TEXT " + text();
                case CLOSE -> "CLOSE " + closeCode() + " " + closeReason();
                default -> "opcode " + opcode + " (" + payload.length + " bytes)";
            };
        }
    }

    /** The server answered the upgrade request with something other than 101. */
    public static final class UpgradeRefused extends IOException {
        private final int status;

        UpgradeRefused(int status, String statusLine) {
            super("upgrade refused: " + statusLine);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket, InputStream in) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(in);
        this.out = socket.getOutputStream();
    }

    /**
     * Opens a socket to {@code 127.0.0.1:port} and upgrades {@code /api/ws}; every later read waits at
     * most {@code timeout}.
     */
    public static RawWebSocket connect(int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = "GET /api/ws HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String head = readHead(in);
            String statusLine = head.lines().findFirst().orElse("");
            String[] parts = statusLine.split(" ");
            int status = parts.length > 1 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : -1;
            if (status != 101) {
                throw new UpgradeRefused(status, statusLine);
            }
            String accept = head.lines()
                    .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("sec-websocket-accept:"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("");
            if (!accept.equals(expectedAccept(key))) {
                throw new IOException("bad Sec-WebSocket-Accept in " + head);
            }
            return new RawWebSocket(socket, in);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0; // how much of \r\n\r\n has been seen
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the upgrade; got: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 16_384) {
                throw new IOException("upgrade response head too long");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Encodes one frame. {@code rsv} is the three reserved bits (0-7), {@code opcode} any 4-bit value;
     * a masked frame gets a random key, as RFC 6455 requires of clients.
     */
    public static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        ByteBuffer frame = ByteBuffer.allocate(14 + payload.length);
        frame.put((byte) ((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF)));
        int maskBit = masked ? 0x80 : 0;
        if (payload.length <= 125) {
            frame.put((byte) (maskBit | payload.length));
        } else if (payload.length <= 0xFFFF) {
            frame.put((byte) (maskBit | 126)).putShort((short) payload.length);
        } else {
            frame.put((byte) (maskBit | 127)).putLong(payload.length);
        }
        if (masked) {
            byte[] key = new byte[4];
            ThreadLocalRandom.current().nextBytes(key);
            frame.put(key);
            for (int i = 0; i < payload.length; i++) {
                frame.put((byte) (payload[i] ^ key[i & 3]));
            }
        } else {
            frame.put(payload);
        }
        byte[] bytes = new byte[frame.position()];
        frame.flip().get(bytes);
        return bytes;
    }

    /** The payload of a close frame: a status code and a reason. */
    public static byte[] closePayload(int code, byte[] reason) {
        return ByteBuffer.allocate(2 + reason.length).putShort((short) code).put(reason).array();
    }

    public void send(boolean fin, int rsv, int opcode, byte[] payload) throws IOException {
        sendRaw(encode(fin, rsv, opcode, payload, true));
    }

    public void sendText(String text) throws IOException {
        send(true, 0, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes bytes as they are: half frames, garbage, several frames at once. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Half-closes: the server reads end of stream after what was sent, and can still answer. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Reads the server's next frame; throws {@link java.net.SocketTimeoutException} when none comes
     * within the timeout and {@link EOFException} when the server closed the TCP connection.
     */
    public Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if (length < 0 || length > MAX_READ_PAYLOAD) {
            throw new IOException("server frame of " + length + " bytes");
        }
        byte[] key = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        if (key != null) { // servers must not mask; unmask anyway so the content can be shown
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= key[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 0x7, b0 & 0xF, payload);
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
