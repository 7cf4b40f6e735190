package io.stellarrelay.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The one JSON codec of the protocol. Thread-safe; create one per process.
 *
 * <p>Decoding is defensive: limits on nesting and sizes, no duplicate keys, no trailing garbage, and every
 * failure becomes a {@link ProtocolException} whose message can go back to the client as is.
 */
public final class ProtocolCodec {

    /** Longest {@code serverId} accepted; panel ids are cuids or uuids, far shorter. */
    public static final int MAX_SERVER_ID_LENGTH = 191;
    private static final int MAX_ECHOED_TYPE_LENGTH = 64;
    /** Why a console message was dropped; goes to the relay's log, never to a client. */
    static final String CONSOLE_LINES_REQUIRED = "console message needs \"lines\": a non-empty array of strings";

    static final DateTimeFormatter JS_DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final ObjectMapper mapper;

    public ProtocolCodec() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxNumberLength(64)
                        .maxStringLength(1 << 20)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Write bytes as Node's JSON.stringify does: emoji as raw UTF-8, not as surrogate
                // escapes, and lower-case hex in the escapes that remain.
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                // Client frames are read on virtual threads, where Jackson's default per-thread buffer
                // pool starts empty for every new thread: share one pool instead of allocating buffers
                // per message.
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                .build();
        SimpleModule module = new SimpleModule("stellar-protocol");
        module.addSerializer(Double.class, new JsDoubleSerializer());
        module.addSerializer(double.class, new JsDoubleSerializer());
        module.addSerializer(Instant.class, new JsDateSerializer());
        this.mapper = new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .registerModule(module);
    }

    /** Reads one client text frame. */
    public ClientMessage decode(String text) throws ProtocolException {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorMessages.INVALID_JSON);
        }
        if (root == null || root.isMissingNode()) {
            throw new ProtocolException(ErrorMessages.INVALID_JSON);
        }
        if (!root.isObject()) {
            throw new ProtocolException(ErrorMessages.NOT_AN_OBJECT);
        }
        JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorMessages.MISSING_TYPE);
        }
        return switch (type.textValue()) {
            case "auth" -> {
                JsonNode token = root.get("token");
                yield new ClientMessage.Auth(token != null && token.isTextual() ? token.textValue() : null);
            }
            case "subscribe" -> new ClientMessage.Subscribe(serverId(root), events(root));
            case "unsubscribe" -> new ClientMessage.Unsubscribe(serverId(root), events(root));
            case "ping" -> new ClientMessage.Ping();
            default -> throw new ProtocolException(ErrorMessages.UNKNOWN_TYPE_PREFIX + quoted(type.textValue()));
        };
    }

    private static String serverId(JsonNode root) throws ProtocolException {
        JsonNode id = root.get("serverId");
        if (id == null || id.getNodeType() != JsonNodeType.STRING || id.textValue().isEmpty()) {
            throw new ProtocolException(ErrorMessages.SERVER_ID_REQUIRED);
        }
        if (id.textValue().length() > MAX_SERVER_ID_LENGTH) {
            throw new ProtocolException(ErrorMessages.SERVER_ID_TOO_LONG);
        }
        if (hasControlCharacter(id.textValue())) {
            throw new ProtocolException(ErrorMessages.SERVER_ID_INVALID);
        }
        return id.textValue();
    }

    /** The optional {@code "events"} list: absent means none; present, it must name known events. */
    private static Set<EventKind> events(JsonNode root) throws ProtocolException {
        JsonNode list = root.get("events");
        if (list == null) {
            return Set.of();
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new ProtocolException(ErrorMessages.EVENTS_INVALID);
        }
        Set<EventKind> events = EnumSet.noneOf(EventKind.class);
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                throw new ProtocolException(ErrorMessages.EVENTS_INVALID);
            }
            events.add(EventKind.fromWire(item.textValue()).orElseThrow(() -> new ProtocolException(
                    ErrorMessages.UNKNOWN_EVENT_PREFIX + quoted(item.textValue()) + ErrorMessages.KNOWN_EVENTS_SUFFIX)));
        }
        return events;
    }

    /**
     * Reads what a backend publishes on a console channel, {@code {"lines":["…",…]}}: an object whose
     * {@code lines} is a non-empty array of strings (other keys are ignored). The bytes must be UTF-8.
     */
    public List<String> decodeConsoleLines(byte[] utf8) throws ProtocolException {
        JsonNode root;
        try {
            root = mapper.readTree(utf8);
        } catch (IOException e) {
            throw new ProtocolException(ErrorMessages.INVALID_JSON);
        }
        JsonNode lines = root == null ? null : root.get("lines");
        if (lines == null || !lines.isArray() || lines.isEmpty()) {
            throw new ProtocolException(CONSOLE_LINES_REQUIRED);
        }
        List<String> result = new ArrayList<>(lines.size());
        for (JsonNode line : lines) {
            if (!line.isTextual()) {
                throw new ProtocolException(CONSOLE_LINES_REQUIRED);
            }
            result.add(line.textValue());
        }
        return result;
    }

    /** No id or token of the panel holds control characters; PostgreSQL rejects NUL outright. */
    public static boolean hasControlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static String quoted(String type) {
        String shown = type.length() > MAX_ECHOED_TYPE_LENGTH ? Utf8.cut(type, MAX_ECHOED_TYPE_LENGTH) + "..." : type;
        return "\"" + shown + "\"";
    }

    /** Writes a frame as a JSON text. */
    public String encode(ServerMessage message) {
        return new String(encodeToBytes(message), StandardCharsets.UTF_8);
    }

    /** Writes a frame as UTF-8 bytes: what the poller publishes and relays forward untouched. */
    public byte[] encodeToBytes(ServerMessage message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                message instanceof ServerMessage.ServerSync || message instanceof ServerMessage.ServerConsole ? 1024 : 64);
        try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("type", message.type());
            switch (message) {
                case ServerMessage.AuthSuccess m -> gen.writeStringField("userId", m.userId());
                case ServerMessage.AuthError m -> gen.writeStringField("error", m.error());
                case ServerMessage.Subscribed m -> gen.writeStringField("serverId", m.serverId());
                case ServerMessage.Unsubscribed m -> {
                    gen.writeStringField("serverId", m.serverId());
                    if (!m.events().isEmpty()) {
                        gen.writeArrayFieldStart("events");
                        for (EventKind kind : EnumSet.copyOf(m.events())) { // a stable order
                            gen.writeString(kind.wire());
                        }
                        gen.writeEndArray();
                    }
                }
                case ServerMessage.Pong m -> { }
                case ServerMessage.Error m -> {
                    gen.writeStringField("error", m.error());
                    if (m.serverId() != null) {
                        gen.writeStringField("serverId", m.serverId());
                    }
                }
                case ServerMessage.ServerSync m -> writeData(gen, m.serverId(), m.data());
                case ServerMessage.ServerStatus m -> writeData(gen, m.serverId(), m.data());
                case ServerMessage.ServerStats m -> writeData(gen, m.serverId(), m.data());
                case ServerMessage.ServerConsole m -> {
                    gen.writeStringField("serverId", m.serverId());
                    gen.writeObjectFieldStart("data");
                    gen.writeArrayFieldStart("lines");
                    for (String line : m.lines()) {
                        gen.writeString(line);
                    }
                    gen.writeEndArray();
                    if (m.dropped() != 0) {
                        gen.writeNumberField("dropped", m.dropped());
                    }
                    if (m.gap()) {
                        gen.writeBooleanField("gap", true);
                    }
                    if (m.history()) {
                        gen.writeBooleanField("history", true);
                    }
                    gen.writeEndObject();
                }
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private void writeData(JsonGenerator gen, String serverId, Object data) throws IOException {
        gen.writeStringField("serverId", serverId);
        gen.writeFieldName("data");
        mapper.writeValue(gen, data);
    }

    /** Parses any JSON text, with the same limits as client frames; for tests and tools. */
    public JsonNode readTree(String json) throws JsonProcessingException {
        return mapper.readTree(json);
    }

    private static final class JsDoubleSerializer extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeNumber(JsNumbers.format(value));
        }
    }

    private static final class JsDateSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(JS_DATE.format(value));
        }
    }

}
