package io.stellarrelay.relay.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.stream.Collectors;

import static io.stellarrelay.relay.hostile.Rules.DOCUMENTED_CLOSE_CODES;
import static io.stellarrelay.relay.hostile.Rules.JSON;
import static io.stellarrelay.relay.hostile.Rules.PROTOCOL_ERROR;

/** How frames, expectations and outcomes are written in the report. */
final class Texts {
    private Texts() {}

    /** A JSON string literal; control characters and every surrogate escaped, so lone ones survive. */
    static String js(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20 || Character.isSurrogate(ch)) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String preview(String s) {
        String shown = js(s);
        return shown.length() > 90 ? shown.substring(0, 90) + "...(" + s.length() + " chars)" : shown;
    }

    static String preview(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 24); i++) {
            b.append(String.format("%02x", bytes[i]));
        }
        return b + (bytes.length > 24 ? "...(" + bytes.length + " bytes)" : "");
    }

    static String head(Queue<String> problems) {
        return problems.stream().limit(20).collect(Collectors.joining("\n"))
                + (problems.size() > 20 ? "\n... and " + (problems.size() - 20) + " more" : "");
    }

    static String outcomeKey(Outcome o) {
        return switch (o) {
            case Outcome.Text t -> {
                try {
                    JsonNode node = JSON.readTree(t.json());
                    String error = node.path("error").asText(null);
                    if (error != null && error.startsWith(ErrorMessages.UNKNOWN_TYPE_PREFIX)) {
                        error = ErrorMessages.UNKNOWN_TYPE_PREFIX + "...";
                    }
                    yield "reply " + node.path("type").asText() + (error == null ? "" : ": " + error);
                } catch (IOException e) {
                    yield "reply (not JSON)";
                }
            }
            case Outcome.Pong p -> "pong control frame";
            case Outcome.Closed c -> "close " + c.code() + (!DOCUMENTED_CLOSE_CODES.contains(c.code()) ? " (undocumented)"
                    : c.code() == PROTOCOL_ERROR ? " protocol error" : " " + CloseCode.of(c.code()).name());
            case Outcome.Eof e -> "connection dropped without close frame";
            case Outcome.Silent s -> "NO ANSWER within " + HostileConnection.READ_TIMEOUT;
            case Outcome.Broken b -> "broken connection";
            case Outcome.OtherFrame f -> "other frame";
        };
    }

    static String describe(Object o) {
        return switch (o) {
            case null -> "nothing";
            case Expect.Reply r -> r.expected();
            case Expect.PongFrame p -> "pong " + preview(p.payload());
            case Expect.Close c -> "close " + c.codes();
            case Expect.Nothing n -> "nothing";
            case Expect.Dropped d -> "connection dropped";
            case Outcome.Text t -> preview(t.json());
            case Outcome.Pong p -> "pong " + preview(p.payload());
            case Outcome.Closed c -> "close " + c.code() + " " + preview(c.reason());
            default -> o.toString();
        };
    }
}
