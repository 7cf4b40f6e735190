package io.stellarrelay.relay.hostile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarrelay.protocol.CloseCode;
import io.stellarrelay.protocol.ErrorMessages;
import io.stellarrelay.protocol.ProtocolCodec;
import io.stellarrelay.protocol.ServerMessage;
import io.stellarrelay.testing.PanelFixtures;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.stellarrelay.testing.PanelFixtures.ADMIN_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.MEMBER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.OWNER_TOKEN;
import static io.stellarrelay.testing.PanelFixtures.SERVER;
import static io.stellarrelay.testing.PanelFixtures.STRANGER_TOKEN;

/**
 * What the relay under attack must answer: its configured limits, the documented replies and close
 * codes, and the expected answer to each kind of frame.
 */
final class Rules {
    static final int MAX_MESSAGE_BYTES = 4096;
    static final int MAX_AUTH_FAILURES_PER_CONNECTION = 5;
    /** Authentication's private limit: longer tokens are refused without a database lookup. */
    static final int MAX_TOKEN_LENGTH = 1024;
    static final int PROTOCOL_ERROR = 1002; // what Jetty closes framing violations with
    static final int NO_STATUS = 1005; // a close frame without a code
    static final List<String> LEAK_MARKERS =
            List.of("Exception", "\tat ", "java.", "org.eclipse", "io.stellarrelay");

    static final ProtocolCodec CODEC = new ProtocolCodec();
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> DOCUMENTED_ERRORS = new HashSet<>();
    private static final List<String> DOCUMENTED_ERROR_PREFIXES = new ArrayList<>();
    static final Set<Integer> DOCUMENTED_CLOSE_CODES = new HashSet<>();
    static final Map<String, String> VALID_TOKENS = Map.of(
            ADMIN_TOKEN, PanelFixtures.ADMIN, OWNER_TOKEN, PanelFixtures.OWNER,
            MEMBER_TOKEN, PanelFixtures.MEMBER, STRANGER_TOKEN, PanelFixtures.STRANGER);
    static final Set<String> KNOWN_TYPES = Set.of("auth", "subscribe", "unsubscribe", "ping");

    static {
        for (Field f : ErrorMessages.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    String value = (String) f.get(null);
                    (f.getName().endsWith("_PREFIX") ? DOCUMENTED_ERROR_PREFIXES : DOCUMENTED_ERRORS).add(value);
                } catch (IllegalAccessException e) {
                    throw new ExceptionInInitializerError(e);
                }
            }
        }
        for (CloseCode c : CloseCode.values()) {
            DOCUMENTED_CLOSE_CODES.add(c.code());
        }
        DOCUMENTED_CLOSE_CODES.add(PROTOCOL_ERROR);
    }

    private Rules() {}

    static String error(String message) {
        return CODEC.encode(new ServerMessage.Error(message));
    }

    static String authError(String message) {
        return CODEC.encode(new ServerMessage.AuthError(message));
    }

    static Expect reply(String expected) {
        return new Expect.Reply(expected);
    }

    /** The panel's ids and tokens never hold C0 controls or DEL; the relay refuses them before any query. */
    static boolean hasControlCharacter(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
    }

    static Expect closeWith(Integer... codes) {
        return new Expect.Close(Set.of(codes));
    }

    /** The answer to a serverId that fails validation (checked before authentication), or null. */
    static Expect invalidServerId(String id) {
        if (id.isEmpty()) {
            return reply(error(ErrorMessages.SERVER_ID_REQUIRED));
        }
        if (id.length() > ProtocolCodec.MAX_SERVER_ID_LENGTH) {
            return reply(error(ErrorMessages.SERVER_ID_TOO_LONG));
        }
        if (hasControlCharacter(id)) {
            return reply(error(ErrorMessages.SERVER_ID_INVALID));
        }
        return null;
    }

    /** The answer to a subscribe with this string serverId, for this persona. */
    static Expect subscribeExpect(Persona p, String id) {
        Expect invalid = invalidServerId(id);
        if (invalid != null) {
            return invalid;
        }
        return switch (p) {
            case ANONYMOUS -> reply(error(ErrorMessages.AUTH_REQUIRED_TO_SUBSCRIBE));
            case STRANGER -> reply(error(ErrorMessages.FORBIDDEN));
            case OWNER -> reply(id.equals(SERVER)
                    ? CODEC.encode(new ServerMessage.Subscribed(id)) : error(ErrorMessages.FORBIDDEN));
        };
    }

    static Expect unsubscribeExpect(String id) {
        Expect invalid = invalidServerId(id);
        return invalid != null ? invalid : reply(CODEC.encode(new ServerMessage.Unsubscribed(id)));
    }

    /** The answer to an auth frame; {@code token} null when it is missing or not a string. */
    static Expect authExpect(Persona p, String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || hasControlCharacter(token)) {
            return reply(authError(ErrorMessages.INVALID_SESSION));
        }
        String user = VALID_TOKENS.get(token);
        if (user != null) {
            return p.userId == null || p.userId.equals(user)
                    ? reply(CODEC.encode(new ServerMessage.AuthSuccess(user)))
                    : reply(error(ErrorMessages.ALREADY_AUTHENTICATED));
        }
        return reply(authError(ErrorMessages.INVALID_SESSION));
    }

    static Expect unknownTypeExpect(String type) {
        String shown = type;
        if (type.length() > 64) {
            int end = Character.isHighSurrogate(type.charAt(63)) ? 63 : 64;
            shown = type.substring(0, end) + "...";
        }
        return reply(error(ErrorMessages.UNKNOWN_TYPE_PREFIX + "\"" + shown + "\""));
    }

    static boolean documented(Outcome o) {
        if (o instanceof Outcome.Closed c) {
            return DOCUMENTED_CLOSE_CODES.contains(c.code());
        }
        if (!(o instanceof Outcome.Text t)) {
            return false;
        }
        try {
            JsonNode node = JSON.readTree(t.json());
            String type = node.path("type").asText("");
            return switch (type) {
                case "pong", "subscribed", "unsubscribed", "auth_success" -> true;
                case "error", "auth_error" -> {
                    String message = node.path("error").asText("");
                    yield DOCUMENTED_ERRORS.contains(message)
                            || DOCUMENTED_ERROR_PREFIXES.stream().anyMatch(message::startsWith);
                }
                default -> false;
            };
        } catch (IOException e) {
            return false;
        }
    }
}
