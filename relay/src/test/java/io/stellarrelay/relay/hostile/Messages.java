package io.stellarrelay.relay.hostile;

import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;

import static io.stellarrelay.relay.hostile.Rules.CODEC;
import static io.stellarrelay.relay.hostile.Rules.KNOWN_TYPES;
import static io.stellarrelay.relay.hostile.Rules.MAX_MESSAGE_BYTES;
import static io.stellarrelay.relay.hostile.Rules.MAX_TOKEN_LENGTH;
import static io.stellarrelay.relay.hostile.Rules.authExpect;
import static io.stellarrelay.relay.hostile.Rules.closeWith;
import static io.stellarrelay.relay.hostile.Rules.error;
import static io.stellarrelay.relay.hostile.Rules.reply;
import static io.stellarrelay.relay.hostile.Rules.subscribeExpect;
import static io.stellarrelay.relay.hostile.Rules.unknownTypeExpect;
import static io.stellarrelay.relay.hostile.Rules.unsubscribeExpect;
import static io.stellarrelay.relay.hostile.Texts.js;
import static io.stellarrelay.relay.hostile.Texts.preview;
import static io.stellarrelay.relay.hostile.Texts.utf8;
import static io.stellarrelay.relay.support.RawWebSocket.BINARY;
import static io.stellarrelay.relay.support.RawWebSocket.TEXT;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;

/** Hostile message payloads, each with the answer its content calls for, before they are cut into frames. */
final class Messages {
    /** Values of the wrong JSON type for a string field. */
    private static final List<String> WRONG_VALUES = List.of("42", "-0", "1.5e308", "1e999999", "[]",
            "[\"srv_abc123\"]", "{}", "{\"$ne\":null}", "{\"serverId\":\"srv_abc123\"}", "null", "true", "false",
            "[null]", "{\"\":{}}");

    static final List<String> INJECTIONS = List.of(
            "*", "?", "srv_abc123*", "srv_*", "srv_abc12?", "[s]rv_abc123", "srv_abc12[0-9]", "\\*", "srv_abc123\\",
            "' OR '1'='1", "srv_abc123' --", "srv_abc123'; DROP TABLE servers; --", "\" OR \"\"=\"", "%", "_",
            "srv_abc%", "srv_abc12_", "1; SELECT pg_sleep(5)", "srv_abc123' UNION SELECT token FROM sessions --",
            "../", "../../etc/passwd", "srv_abc123/../srv_other", "..\\..\\", "/", ".", "..", "srv_abc123/",
            "{stellar}", "{stellar}:relays", "stellar:server:srv_abc123", "stellar:server:*", "}{", "{}",
            "srv_abc123\n", "srv_abc123\r\nPUBLISH stellar:server:srv_abc123 pwned", "\r\n", "\n", "srv_abc123\r",
            "srv_abc123\u0000", "\u0000", "srv\tabc123", "SRV_ABC123", " srv_abc123", "srv_abc123 ",
            "srv_abc123\u200b", "\u202esrv_abc123", "ｓｒｖ＿ａｂｃ１２３", "srv_abc123\u0301", "😀", "\ud800",
            "\udc00srv", "srv_abc123\ufeff", "\uffff", "\u2028\u2029", "srv_other", "srv_does_not_exist",
            "srv_abc123", "$(reboot)", "${jndi:ldap://127.0.0.1/a}", "<script>alert(1)</script>", "%s%n%x",
            "\\u0000", "null", "undefined", "__proto__", "constructor");

    private static final byte[][] BAD_UTF8 = {
            {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC3},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0x80}};

    private final Random r;
    private final Dice dice;

    Messages(Random r, Dice dice) {
        this.r = r;
        this.dice = dice;
    }

    Msg text(String json, Expect expect) {
        return new Msg(TEXT, utf8(json), expect, preview(json));
    }

    Msg message(Category c, Persona p) {
        return switch (c) {
            case NESTED_JSON -> nested();
            case HUGE_JSON -> huge(p);
            case NOT_JSON -> notJson();
            case NOT_AN_OBJECT -> text(dice.pick(List.of("[]", "[1,2,3]", "\"ping\"", "42", "-1.5", "null", "true", "false",
                    "[{\"type\":\"ping\"}]", "\"{\\\"type\\\":\\\"ping\\\"}\"", "  null  ", "[[[]]]", "0", "\"\"")),
                    reply(error(ErrorMessages.NOT_AN_OBJECT)));
            case WRONG_TYPES -> wrongTypes(p);
            case ODD_STRINGS -> oddStrings(p);
            case LONG_SERVER_ID -> longServerId(p);
            case INJECTION_SERVER_ID -> serverIdMessage(p, dice.pick(INJECTIONS), r.nextInt(3) > 0);
            case UNKNOWN_TYPE -> unknownType();
            default -> throw new IllegalArgumentException(c.toString());
        };
    }

    Msg serverIdMessage(Persona p, String id, boolean subscribe) {
        String op = subscribe ? "subscribe" : "unsubscribe";
        String json = r.nextBoolean()
                ? "{\"type\":\"" + op + "\",\"serverId\":" + js(id) + "}"
                : "{\"serverId\":" + js(id) + ",\"type\":\"" + op + "\"}";
        return new Msg(TEXT, utf8(json), subscribe ? subscribeExpect(p, id) : unsubscribeExpect(id),
                op + " serverId=" + preview(id));
    }

    Msg authMessage(Persona p, String token) {
        return new Msg(TEXT, utf8("{\"type\":\"auth\",\"token\":" + js(token) + "}"), authExpect(p, token),
                "auth token=" + preview(token));
    }

    Msg nested() {
        int kind = r.nextInt(6);
        return switch (kind) {
            case 0 -> text("[".repeat(dice.between(33, MAX_MESSAGE_BYTES)), reply(error(ErrorMessages.INVALID_JSON)));
            case 1 -> {
                int depth = r.nextBoolean() ? dice.pick(List.of(32, 33)) : dice.between(1, 2048);
                yield text("[".repeat(depth) + "]".repeat(depth),
                        reply(error(depth > 32 ? ErrorMessages.INVALID_JSON : ErrorMessages.NOT_AN_OBJECT)));
            }
            case 2 -> {
                int depth = dice.between(33, 680);
                yield text("{\"a\":".repeat(depth) + "1" + "}".repeat(depth), reply(error(ErrorMessages.INVALID_JSON)));
            }
            case 3 -> { // inside an otherwise valid ping: depth counts the outer object too
                int depth = r.nextBoolean() ? dice.between(1, 31) : dice.between(32, 2000);
                yield text("{\"type\":\"ping\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
                        reply(depth + 1 > 32 ? error(ErrorMessages.INVALID_JSON) : CODEC.encode(new ServerMessage.Pong())));
            }
            case 4 -> text("[".repeat(10_000), closeWith(CloseCode.MESSAGE_TOO_BIG.code()));
            default -> text("{\"type\":\"ping\",\"x\":" + "{\"a\":[".repeat(dice.between(17, 600)),
                    reply(error(ErrorMessages.INVALID_JSON)));
        };
    }

    Msg huge(Persona p) {
        String pong = CODEC.encode(new ServerMessage.Pong());
        return switch (r.nextInt(6)) {
            case 0 -> { // a ping padded to an exact size in bytes, around the limit
                int size = dice.pick(List.of(MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1, dice.between(1000, MAX_MESSAGE_BYTES),
                        dice.between(MAX_MESSAGE_BYTES + 1, 3 * MAX_MESSAGE_BYTES)));
                String json = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(size - 24) + "\"}";
                yield text(json, size > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
            }
            case 1 -> authMessage(p, dice.randomString(dice.between(MAX_TOKEN_LENGTH - 10, 3900), false));
            case 2 -> { // many small array elements
                int n = dice.between(100, 2030);
                String json = "{\"type\":\"ping\",\"a\":[" + "1,".repeat(n - 1) + "1]}";
                yield text(json, json.length() > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
            }
            case 3 -> { // many distinct keys
                StringBuilder b = new StringBuilder("{\"type\":\"ping\"");
                int n = dice.between(50, 700);
                for (int i = 0; i < n; i++) {
                    b.append(",\"k").append(i).append("\":0");
                }
                String json = b.append('}').toString();
                yield text(json, json.length() > MAX_MESSAGE_BYTES ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
            }
            case 4 -> { // multi-byte padding: the limit is in bytes, not characters
                String pad = "é✓😀".repeat(dice.between(100, 600));
                String json = "{\"type\":\"ping\",\"pad\":" + js(pad) + "}";
                yield text(json, utf8(json).length > MAX_MESSAGE_BYTES
                        ? closeWith(CloseCode.MESSAGE_TOO_BIG.code()) : reply(pong));
            }
            default -> serverIdMessage(p, "srv_abc123".repeat(dice.between(20, 380)), r.nextBoolean());
        };
    }

    Msg notJson() {
        String valid = dice.pick(List.of("{\"type\":\"ping\"}", "{\"type\":\"subscribe\",\"serverId\":\"srv_abc123\"}",
                "{\"type\":\"auth\",\"token\":\"tok-owner-0123456789\"}"));
        String json = switch (r.nextInt(8)) {
            case 0 -> valid.substring(0, r.nextInt(valid.length())); // cut short (possibly empty)
            case 1 -> valid + dice.pick(List.of("x", "}", "]", "{}", ",", "\"", "null", "{\"type\":\"ping\"}", "\u0000"));
            case 2 -> dice.pick(List.of("{'type':'ping'}", "{type:\"ping\"}", "/*x*/{\"type\":\"ping\"}",
                    "{\"type\":\"ping\",}", "{\"type\":\"ping\",\"n\":NaN}", "{\"type\":\"ping\",\"n\":Infinity}",
                    "\ufeff{\"type\":\"ping\"}", "{\"type\":\"ping\",\"type\":\"auth\"}", "{\"type\":\"ping\" \"x\":1}",
                    "{\"type\":\"ping\",\"n\":01}", "{\"type\":\"ping\",\"n\":+1}", "{\"type\":\"ping\",\"n\":0x10}",
                    "{\"type\":\"p\\xing\"}", "{\"type\":\"p\\u12\"}", "{\"type\":\"ping\",\"n\":" + "9".repeat(65) + "}",
                    " ", "", "\t\r\n", "{\"type\":\"ping\"}}", "{{}}", "{\"type\":}", "{:\"ping\"}", "{\"type\"\"ping\"}"));
            case 3 -> { // a raw (unescaped) control character inside a string
                char control = (char) r.nextInt(0x20);
                yield "{\"type\":\"pi" + control + "ng\"}";
            }
            case 4 -> "{\"type\":\"subscribe\",\"serverId\":\"srv_abc123" + dice.pick(List.of("\n", "\r\n", "\t", "\u0000"))
                    + "\"}";
            default -> dice.pick(List.of("}", "]", ")", ">", "#", ":", ",", "<", "x", "'", "\\", "=")) + dice.randomString(
                    dice.between(0, 200), false);
        };
        return text(json, reply(error(ErrorMessages.INVALID_JSON)));
    }

    Msg wrongTypes(Persona p) {
        String value = dice.pick(WRONG_VALUES);
        boolean missing = r.nextInt(8) == 0;
        return switch (r.nextInt(4)) {
            case 0 -> text(missing ? dice.pick(List.of("{}", "{\"serverId\":\"srv_abc123\"}", "{\"token\":\"x\"}", "{\"Type\":\"ping\"}"))
                    : "{\"type\":" + value + ",\"serverId\":\"srv_abc123\"}", reply(error(ErrorMessages.MISSING_TYPE)));
            case 1, 2 -> {
                String op = r.nextBoolean() ? "subscribe" : "unsubscribe";
                String v = r.nextInt(10) == 0 ? "\"\"" : value;
                yield new Msg(TEXT, utf8(missing ? "{\"type\":\"" + op + "\"}" : "{\"type\":\"" + op + "\",\"serverId\":" + v + "}"),
                        reply(error(ErrorMessages.SERVER_ID_REQUIRED)), op + " serverId=" + (missing ? "(missing)" : v));
            }
            default -> new Msg(TEXT, utf8(missing ? "{\"type\":\"auth\"}" : "{\"type\":\"auth\",\"token\":" + value + "}"),
                    authExpect(p, null), "auth token=" + (missing ? "(missing)" : value));
        };
    }

    Msg oddStrings(Persona p) {
        String odd = dice.randomString(dice.between(1, 60), true);
        return switch (r.nextInt(6)) {
            case 0 -> {
                String key = "type".equals(odd) ? odd + "_" : odd;
                yield text("{\"type\":\"ping\"," + js(key) + ":" + js(dice.randomString(dice.between(0, 60), true)) + "}",
                        reply(CODEC.encode(new ServerMessage.Pong())));
            }
            case 1 -> {
                String type = KNOWN_TYPES.contains(odd) ? odd + "\u0000" : odd;
                yield new Msg(TEXT, utf8("{\"type\":" + js(type) + "}"), unknownTypeExpect(type), "type=" + preview(type));
            }
            case 2, 3 -> serverIdMessage(p, odd, r.nextBoolean());
            case 4 -> authMessage(p, odd);
            default -> text("{\"type\":\"ping\",\"x\":\"" + dice.pick(List.of("\u2028", "\u2029", "\u007f", "\u0085",
                    "\ufeff", "\uffff", "😀", "e\u0301")) + "\"}", reply(CODEC.encode(new ServerMessage.Pong())));
        };
    }

    Msg longServerId(Persona p) {
        int length = dice.pick(List.of(ProtocolCodec.MAX_SERVER_ID_LENGTH, ProtocolCodec.MAX_SERVER_ID_LENGTH + 1,
                dice.between(192, 3000), dice.between(100, 191)));
        String id = r.nextInt(4) == 0
                ? "😀".repeat((length + 1) / 2) // counted in UTF-16 units, as Java and JavaScript do
                : ("srv_abc123" + "a".repeat(length)).substring(0, length);
        return serverIdMessage(p, id, r.nextBoolean());
    }

    Msg unknownType() {
        String type = switch (r.nextInt(4)) {
            case 0 -> dice.pick(List.of("PING", "Ping", " ping", "ping ", "auth_success", "server:sync", "pong", "error",
                    "subscribed", "__proto__", "constructor", "toString", "", "sub scribe", "ping\u0000", "pinG",
                    "SUBSCRIBE", "auth\n", "unsubscribe\r\n"));
            case 1 -> { // long, sometimes with a surrogate pair straddling the 64-character cut
                String t = dice.randomString(dice.between(65, 2000), r.nextBoolean());
                yield r.nextBoolean() ? t.substring(0, 63) + "😀" + t.substring(63) : t;
            }
            default -> dice.randomString(dice.between(1, 64), true);
        };
        if (KNOWN_TYPES.contains(type)) {
            type = type + "?";
        }
        return new Msg(TEXT, utf8("{\"type\":" + js(type) + "}"), unknownTypeExpect(type), "type=" + preview(type));
    }

    Msg binaryMessage() {
        byte[] payload = r.nextInt(3) == 0
                ? utf8(dice.pick(List.of("{\"type\":\"auth\",\"token\":\"" + OWNER_TOKEN + "\"}",
                "{\"type\":\"subscribe\",\"serverId\":\"" + SERVER + "\"}", "{\"type\":\"ping\"}")))
                : dice.randomBytes(dice.pick(List.of(0, dice.between(1, 125), dice.between(126, MAX_MESSAGE_BYTES))));
        return new Msg(BINARY, payload, reply(error(ErrorMessages.BINARY_NOT_SUPPORTED)), "binary " + preview(payload));
    }

    Msg invalidUtf8() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (r.nextBoolean()) { // random bytes with at least one byte that never occurs in UTF-8
            byte[] bytes = dice.randomBytes(dice.between(1, 300));
            bytes[r.nextInt(bytes.length)] = (byte) dice.pick(List.of(0xC0, 0xC1, 0xF5, 0xF8, 0xFE, 0xFF)).intValue();
            b.writeBytes(bytes);
        } else { // a precise malformation inside an otherwise valid message
            b.writeBytes(utf8("{\"type\":\"ping\",\"x\":\"" + dice.randomString(dice.between(0, 40), false)));
            b.writeBytes(BAD_UTF8[r.nextInt(BAD_UTF8.length)]);
            b.writeBytes(utf8("\"}"));
        }
        byte[] payload = b.toByteArray();
        return new Msg(TEXT, payload, closeWith(CloseCode.INVALID_PAYLOAD.code()), "text " + preview(payload));
    }
}
