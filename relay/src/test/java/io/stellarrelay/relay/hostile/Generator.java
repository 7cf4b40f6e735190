package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.relay.support.RawWebSocket;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static io.stellarrelay.relay.hostile.Rules.MAX_MESSAGE_BYTES;
import static io.stellarrelay.relay.hostile.Rules.MAX_TOKEN_LENGTH;
import static io.stellarrelay.relay.hostile.Rules.NO_STATUS;
import static io.stellarrelay.relay.hostile.Rules.PROTOCOL_ERROR;
import static io.stellarrelay.relay.hostile.Rules.closeWith;
import static io.stellarrelay.relay.hostile.Texts.preview;
import static io.stellarrelay.relay.hostile.Texts.utf8;
import static io.stellarrelay.relay.support.RawWebSocket.BINARY;
import static io.stellarrelay.relay.support.RawWebSocket.CLOSE;
import static io.stellarrelay.relay.support.RawWebSocket.CONTINUATION;
import static io.stellarrelay.relay.support.RawWebSocket.PING;
import static io.stellarrelay.relay.support.RawWebSocket.PONG;
import static io.stellarrelay.relay.support.RawWebSocket.TEXT;
import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.BANNED_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.EXPIRED_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MISSING_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OTHER_SERVER;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;

/** Builds random hostile shots (one or more steps) from a seeded Random. */
final class Generator {
    private static final Category[] WEIGHTED;

    static {
        Map<Category, Integer> weights = new LinkedHashMap<>();
        weights.put(Category.INVALID_UTF8, 5);
        weights.put(Category.BINARY, 5);
        weights.put(Category.OVERSIZED, 4);
        weights.put(Category.NESTED_JSON, 5);
        weights.put(Category.HUGE_JSON, 5);
        weights.put(Category.NOT_JSON, 8);
        weights.put(Category.NOT_AN_OBJECT, 4);
        weights.put(Category.WRONG_TYPES, 8);
        weights.put(Category.ODD_STRINGS, 8);
        weights.put(Category.LONG_SERVER_ID, 5);
        weights.put(Category.INJECTION_SERVER_ID, 8);
        weights.put(Category.UNKNOWN_TYPE, 5);
        weights.put(Category.SUBSCRIPTION_FLOOD, 6);
        weights.put(Category.AUTH_FLOOD, 5);
        weights.put(Category.FRAGMENTED, 6);
        weights.put(Category.CONTROL_FRAMES, 5);
        weights.put(Category.CLOSE_FRAMES, 2);
        weights.put(Category.RESERVED_BITS_AND_OPCODES, 3);
        weights.put(Category.UNMASKED, 2);
        weights.put(Category.GARBAGE, 3);
        weights.put(Category.TRUNCATED, 2);
        List<Category> list = new ArrayList<>();
        weights.forEach((c, w) -> list.addAll(Collections.nCopies(w, c)));
        WEIGHTED = list.toArray(Category[]::new);
    }

    private final Random r;
    private final Dice dice;
    private final Messages messages;

    Generator(Random r) {
        this.r = r;
        this.dice = new Dice(r);
        this.messages = new Messages(r, dice);
    }

    List<Step> shot(Persona p) {
        Category c = WEIGHTED[r.nextInt(WEIGHTED.length)];
        return switch (c) {
            case SUBSCRIPTION_FLOOD -> subscriptionFlood(p);
            case AUTH_FLOOD -> authFlood(p);
            case FRAGMENTED -> List.of(fragmented(c, r.nextInt(8) == 0 ? messages.binaryMessage() : messages.message(messageCategory(), p)));
            case INVALID_UTF8 -> List.of(r.nextInt(3) == 0 ? fragmented(c, messages.invalidUtf8()) : single(c, messages.invalidUtf8()));
            case BINARY -> List.of(r.nextInt(4) == 0 ? fragmented(c, messages.binaryMessage()) : single(c, messages.binaryMessage()));
            case OVERSIZED -> List.of(oversized());
            case CONTROL_FRAMES -> List.of(controlFrame());
            case CLOSE_FRAMES -> List.of(closeFrame());
            case RESERVED_BITS_AND_OPCODES -> List.of(reservedBits());
            case UNMASKED -> List.of(unmasked(p));
            case GARBAGE -> List.of(garbage());
            case TRUNCATED -> List.of(truncated(p));
            default -> List.of(single(c, messages.message(c, p)));
        };
    }

    private Category messageCategory() {
        return dice.pick(List.of(Category.NESTED_JSON, Category.HUGE_JSON, Category.NOT_JSON, Category.NOT_AN_OBJECT,
                Category.WRONG_TYPES, Category.ODD_STRINGS, Category.LONG_SERVER_ID, Category.INJECTION_SERVER_ID,
                Category.UNKNOWN_TYPE));
    }

    // --- Shots -------------------------------------------------------------------------------------

    Step single(Category c, Msg m) {
        return new Step(c, RawWebSocket.encode(true, 0, m.opcode(), m.payload(), true), 1, m.expect(), m.label(), false);
    }

    /** The message cut at random byte offsets (splitting UTF-8 sequences too), with pongs in between. */
    Step fragmented(Category c, Msg m) {
        int pieces = dice.between(2, 5);
        int[] cuts = IntStream.range(0, pieces - 1).map(i -> r.nextInt(m.payload().length + 1)).sorted().toArray();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int frames = 0;
        int from = 0;
        for (int i = 0; i < pieces; i++) {
            int to = i < pieces - 1 ? cuts[i] : m.payload().length;
            boolean last = i == pieces - 1;
            wire.writeBytes(RawWebSocket.encode(last, 0, i == 0 ? m.opcode() : CONTINUATION,
                    Arrays.copyOfRange(m.payload(), from, to), true));
            frames++;
            if (!last && r.nextInt(3) == 0) {
                wire.writeBytes(RawWebSocket.encode(true, 0, PONG, dice.randomBytes(dice.between(0, 20)), true));
                frames++;
            }
            from = to;
        }
        return new Step(c, wire.toByteArray(), frames, m.expect(), "fragmented x" + pieces + " " + m.label(), false);
    }

    List<Step> subscriptionFlood(Persona p) {
        int n = dice.between(5, 25);
        List<Step> steps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = switch (r.nextInt(6)) {
                case 0, 1, 2 -> SERVER;
                case 3 -> OTHER_SERVER;
                case 4 -> MISSING_SERVER;
                default -> dice.pick(Messages.INJECTIONS);
            };
            steps.add(single(Category.SUBSCRIPTION_FLOOD, messages.serverIdMessage(p, id, r.nextInt(3) > 0)));
        }
        return steps;
    }

    List<Step> authFlood(Persona p) {
        int n = dice.between(1, 8);
        List<Step> steps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String token = switch (r.nextInt(10)) {
                case 0 -> dice.pick(List.of(OWNER_TOKEN.toUpperCase(), OWNER_TOKEN + " ", " " + OWNER_TOKEN,
                        OWNER_TOKEN.substring(0, OWNER_TOKEN.length() - 1), OWNER_TOKEN + "\u0000",
                        OWNER_TOKEN.replace('-', '_'), "tok-owner-%", "tok-%", "%", "*", "' OR '1'='1",
                        "tok-owner-0123456789' OR '1'='1", "x' UNION SELECT id, role FROM users --", EXPIRED_TOKEN,
                        BANNED_TOKEN, OWNER_TOKEN + "." + "A".repeat(43) + "=", "null", "undefined"));
                case 1 -> "a".repeat(dice.pick(List.of(MAX_TOKEN_LENGTH, MAX_TOKEN_LENGTH + 1, dice.between(1025, 3900))));
                case 2 -> p == Persona.ANONYMOUS ? "" : dice.pick(List.of(p.token, OWNER_TOKEN, MEMBER_TOKEN, ADMIN_TOKEN));
                case 3, 4 -> dice.randomString(dice.between(1, 100), true);
                default -> dice.randomString(dice.between(8, 64), false);
            };
            steps.add(single(Category.AUTH_FLOOD, messages.authMessage(p, token)));
        }
        return steps;
    }

    Step oversized() {
        int size = dice.between(MAX_MESSAGE_BYTES + 1, 3 * MAX_MESSAGE_BYTES);
        Expect tooBig = closeWith(CloseCode.MESSAGE_TOO_BIG.code());
        return switch (r.nextInt(4)) {
            case 0 -> single(Category.OVERSIZED, new Msg(BINARY, dice.randomBytes(size), tooBig, "binary of " + size + " bytes"));
            case 1 -> fragmented(Category.OVERSIZED, new Msg(r.nextBoolean() ? TEXT : BINARY,
                    utf8("{\"type\":\"auth\",\"token\":\"" + "a".repeat(size) + "\"}"), tooBig, "message of " + size + " bytes"));
            default -> single(Category.OVERSIZED, new Msg(TEXT,
                    utf8("{\"type\":\"auth\",\"token\":\"" + dice.randomString(size, false) + "\"}"), tooBig,
                    "text of " + size + " bytes"));
        };
    }

    Step controlFrame() {
        Category c = Category.CONTROL_FRAMES;
        byte[] small = dice.randomBytes(dice.between(0, 125));
        byte[] tooLong = dice.randomBytes(dice.between(126, 400));
        Expect protocolError = closeWith(PROTOCOL_ERROR);
        return switch (r.nextInt(6)) {
            case 0, 1 -> new Step(c, RawWebSocket.encode(true, 0, PING, small, true), 1, new Expect.PongFrame(small),
                    "ping " + preview(small), false);
            case 2, 3 -> new Step(c, RawWebSocket.encode(true, 0, PONG, small, true), 1, new Expect.Nothing(),
                    "unsolicited pong " + preview(small), false);
            case 4 -> new Step(c, RawWebSocket.encode(true, 0, r.nextBoolean() ? PING : PONG, tooLong, true), 1,
                    protocolError, "control frame of " + tooLong.length + " bytes", false);
            default -> new Step(c, RawWebSocket.encode(false, 0, PING, small, true), 1, protocolError,
                    "fragmented ping", false);
        };
    }

    Step closeFrame() {
        int code;
        byte[] payload;
        Expect expect;
        switch (r.nextInt(6)) {
            case 0, 1 -> {
                code = dice.pick(List.of(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, dice.between(3000, 4999)));
                payload = RawWebSocket.closePayload(code, utf8(dice.randomString(dice.between(0, 100), false)));
                expect = closeWith(code); // the close handshake echoes the client's code
            }
            case 2 -> {
                code = dice.pick(List.of(0, 999, 1004, 1005, 1006, 1015, dice.between(1016, 2999), dice.between(5000, 65535)));
                payload = RawWebSocket.closePayload(code, new byte[0]);
                expect = closeWith(PROTOCOL_ERROR);
            }
            case 3 -> {
                code = -1;
                payload = r.nextBoolean() ? new byte[] {3} : RawWebSocket.closePayload(1000, dice.randomBytes(dice.between(124, 300)));
                expect = closeWith(PROTOCOL_ERROR);
            }
            case 4 -> {
                code = 1000;
                payload = RawWebSocket.closePayload(code, new byte[] {'o', 'k', (byte) 0xFF});
                expect = closeWith(CloseCode.INVALID_PAYLOAD.code());
            }
            default -> {
                code = -1;
                payload = new byte[0];
                expect = closeWith(NO_STATUS);
            }
        }
        return new Step(Category.CLOSE_FRAMES, RawWebSocket.encode(true, 0, CLOSE, payload, true), 1, expect,
                "close " + preview(payload), false);
    }

    Step reservedBits() {
        boolean rsv = r.nextBoolean();
        int rsvBits = rsv ? dice.between(1, 7) : 0;
        int opcode = rsv ? dice.pick(List.of(TEXT, BINARY, CONTINUATION, PING, PONG, CLOSE)) : dice.pick(List.of(3, 4, 5, 6, 7, 11, 12, 13, 14, 15));
        byte[] payload = opcode == CLOSE ? RawWebSocket.closePayload(1000, new byte[0]) : utf8("{\"type\":\"ping\"}");
        return new Step(Category.RESERVED_BITS_AND_OPCODES, RawWebSocket.encode(true, rsvBits, opcode, payload, true), 1,
                closeWith(PROTOCOL_ERROR), "rsv=" + rsvBits + " opcode=" + opcode, false);
    }

    Step unmasked(Persona p) {
        Msg m = r.nextBoolean() ? messages.text("{\"type\":\"ping\"}", null) : messages.serverIdMessage(p, SERVER, true);
        int opcode = dice.pick(List.of(TEXT, TEXT, BINARY, PING));
        return new Step(Category.UNMASKED, RawWebSocket.encode(true, 0, opcode, m.payload(), false), 1,
                closeWith(PROTOCOL_ERROR), "unmasked opcode " + opcode + " " + m.label(), false);
    }

    Step garbage() {
        return switch (r.nextInt(4)) {
            case 0 -> new Step(Category.GARBAGE, utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 1, closeWith(PROTOCOL_ERROR),
                    "an HTTP request", false);
            case 1 -> { // a text frame claiming more than 2^63 bytes
                byte[] header = {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4};
                yield new Step(Category.GARBAGE, header, 1, closeWith(CloseCode.MESSAGE_TOO_BIG.code()), "length 2^63+1", false);
            }
            default -> { // random bytes whose first byte is never a valid frame start
                byte[] bytes = dice.randomBytes(dice.between(1, 300));
                int opcode = dice.pick(List.of(3, 4, 5, 6, 7, 11, 12, 13, 14, 15));
                bytes[0] = (byte) ((bytes[0] & 0x80) | (r.nextBoolean() ? dice.between(1, 7) << 4 : 0) | opcode);
                yield new Step(Category.GARBAGE, bytes, 1, closeWith(PROTOCOL_ERROR), "random " + preview(bytes), false);
            }
        };
    }

    Step truncated(Persona p) {
        Msg m = dice.pick(List.of(messages.text("{\"type\":\"ping\"}", null), messages.serverIdMessage(p, SERVER, true), messages.binaryMessage(),
                messages.huge(p)));
        byte[] frame = RawWebSocket.encode(true, 0, m.opcode(), m.payload(), true);
        int keep = dice.between(1, frame.length - 1);
        return new Step(Category.TRUNCATED, Arrays.copyOf(frame, keep), 1, new Expect.Dropped(),
                keep + " of " + frame.length + " bytes of " + m.label(), true);
    }
}
