package io.stellarrelay.protocol;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

@DisplayName("ProtocolCodec")
class ProtocolCodecTest {

    private final ProtocolCodec codec = new ProtocolCodec();

    private String decodeError(String frame) {
        return assertThrows(ProtocolException.class, () -> codec.decode(frame)).getMessage();
    }

    private static String nestedPing(int depth) {
        // The outer object is one level, so depth - 1 arrays inside it.
        return "{\"type\":\"ping\",\"x\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    @Nested
    @DisplayName("decoding client frames")
    class Decoding {

        @Test
        @DisplayName("reads an auth frame with its token")
        void readsAuthWithToken() throws Exception {
            assertEquals(new ClientMessage.Auth("tok_123"), codec.decode("{\"type\":\"auth\",\"token\":\"tok_123\"}"));
        }

        @Test
        @DisplayName("reads an auth frame without a token as Auth(null)")
        void readsAuthWithoutTokenAsNull() throws Exception {
            assertEquals(new ClientMessage.Auth(null), codec.decode("{\"type\":\"auth\"}"));
        }

        @ParameterizedTest(name = "token {0}")
        @DisplayName("reads an auth frame whose token is not a string as Auth(null)")
        @ValueSource(strings = {"123", "null", "true", "{}", "[\"t\"]"})
        void readsNonStringTokenAsNull(String token) throws Exception {
            assertEquals(new ClientMessage.Auth(null), codec.decode("{\"type\":\"auth\",\"token\":" + token + "}"));
        }

        @Test
        @DisplayName("reads a subscribe frame with its server id")
        void readsSubscribe() throws Exception {
            assertEquals(new ClientMessage.Subscribe("srv_1"),
                    codec.decode("{\"type\":\"subscribe\",\"serverId\":\"srv_1\"}"));
        }

        @Test
        @DisplayName("reads an unsubscribe frame with its server id")
        void readsUnsubscribe() throws Exception {
            assertEquals(new ClientMessage.Unsubscribe("srv_1"),
                    codec.decode("{\"type\":\"unsubscribe\",\"serverId\":\"srv_1\"}"));
        }

        @Test
        @DisplayName("reads a ping frame")
        void readsPing() throws Exception {
            assertEquals(new ClientMessage.Ping(), codec.decode("{\"type\":\"ping\"}"));
        }

        @Test
        @DisplayName("ignores fields it does not know, whatever their type")
        void ignoresExtraFields() throws Exception {
            assertEquals(new ClientMessage.Subscribe("srv_1"), codec.decode(
                    "{\"id\":7,\"type\":\"subscribe\",\"extra\":{\"a\":[1,2,null]},\"serverId\":\"srv_1\",\"z\":true}"));
            assertEquals(new ClientMessage.Ping(), codec.decode("{\"type\":\"ping\",\"serverId\":42}"));
        }

        @Test
        @DisplayName("accepts a server id of exactly the maximum length")
        void acceptsServerIdOfMaximumLength() throws Exception {
            String id = "s".repeat(ProtocolCodec.MAX_SERVER_ID_LENGTH);
            assertEquals(new ClientMessage.Subscribe(id),
                    codec.decode("{\"type\":\"subscribe\",\"serverId\":\"" + id + "\"}"));
        }

        @Test
        @DisplayName("accepts nesting of exactly 32 levels")
        void acceptsNestingOf32Levels() throws Exception {
            assertEquals(new ClientMessage.Ping(), codec.decode(nestedPing(32)));
        }
    }

    @Nested
    @DisplayName("rejecting client frames")
    class Rejecting {

        @ParameterizedTest(name = "[{index}] {0}")
        @DisplayName("answers Invalid JSON to text that is not one JSON value")
        @ValueSource(strings = {"", "   ", "{", "{\"type\":\"ping\"", "{'type':'ping'}", "hello",
                "{\"type\":\"ping\",\"x\":NaN}", "{\"type\":\"ping\"} // comment"})
        void rejectsInvalidJson(String frame) {
            assertEquals(ErrorMessages.INVALID_JSON, decodeError(frame));
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @DisplayName("answers Invalid JSON to a valid object followed by trailing garbage")
        @ValueSource(strings = {"{\"type\":\"ping\"} x", "{\"type\":\"ping\"}{}", "{\"type\":\"ping\"} 1"})
        void rejectsTrailingGarbage(String frame) {
            assertEquals(ErrorMessages.INVALID_JSON, decodeError(frame));
        }

        @Test
        @DisplayName("answers Invalid JSON to an object with a duplicate key")
        void rejectsDuplicateKeys() {
            assertEquals(ErrorMessages.INVALID_JSON,
                    decodeError("{\"type\":\"subscribe\",\"serverId\":\"a\",\"serverId\":\"b\"}"));
            assertEquals(ErrorMessages.INVALID_JSON, decodeError("{\"type\":\"ping\",\"type\":\"ping\"}"));
        }

        @Test
        @DisplayName("answers Invalid JSON to nesting deeper than 32 levels")
        void rejectsNestingDeeperThan32() {
            assertEquals(ErrorMessages.INVALID_JSON, decodeError(nestedPing(33)));
        }

        @ParameterizedTest(name = "{0}")
        @DisplayName("answers that the message must be an object to any other JSON value")
        @ValueSource(strings = {"null", "[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "true"})
        void rejectsNonObjects(String frame) {
            assertEquals(ErrorMessages.NOT_AN_OBJECT, decodeError(frame));
        }

        @ParameterizedTest(name = "{0}")
        @DisplayName("answers that a string type is needed when type is missing or not a string")
        @ValueSource(strings = {"{}", "{\"kind\":\"ping\"}", "{\"type\":null}", "{\"type\":1}",
                "{\"type\":[\"ping\"]}", "{\"type\":{\"name\":\"ping\"}}"})
        void rejectsMissingOrNonStringType(String frame) {
            assertEquals(ErrorMessages.MISSING_TYPE, decodeError(frame));
        }

        @Test
        @DisplayName("echoes an unknown type in quotes")
        void echoesUnknownTypeInQuotes() {
            assertEquals("Unknown message type: \"hello\"", decodeError("{\"type\":\"hello\"}"));
            assertEquals("Unknown message type: \"PING\"", decodeError("{\"type\":\"PING\"}"));
            assertEquals("Unknown message type: \"\"", decodeError("{\"type\":\"\"}"));
        }

        @Test
        @DisplayName("echoes an unknown type of 64 characters whole")
        void echoesUnknownTypeOf64CharactersWhole() {
            String type = "t".repeat(64);
            assertEquals(ErrorMessages.UNKNOWN_TYPE_PREFIX + "\"" + type + "\"",
                    decodeError("{\"type\":\"" + type + "\"}"));
        }

        @Test
        @DisplayName("truncates a longer unknown type to 64 characters followed by ...")
        void truncatesLongUnknownType() {
            String type = "0123456789".repeat(10);
            assertEquals(ErrorMessages.UNKNOWN_TYPE_PREFIX + "\"" + type.substring(0, 64) + "...\"",
                    decodeError("{\"type\":\"" + type + "\"}"));
        }

        @ParameterizedTest(name = "{0}")
        @DisplayName("answers that serverId must be a non-empty string when it is missing, empty, null or not a string")
        @ValueSource(strings = {
                "{\"type\":\"subscribe\"}",
                "{\"type\":\"subscribe\",\"serverId\":\"\"}",
                "{\"type\":\"subscribe\",\"serverId\":null}",
                "{\"type\":\"subscribe\",\"serverId\":42}",
                "{\"type\":\"subscribe\",\"serverId\":[\"srv_1\"]}",
                "{\"type\":\"unsubscribe\"}",
                "{\"type\":\"unsubscribe\",\"serverId\":\"\"}",
                "{\"type\":\"unsubscribe\",\"serverId\":null}",
                "{\"type\":\"unsubscribe\",\"serverId\":true}"})
        void rejectsMissingOrNonStringServerId(String frame) {
            assertEquals(ErrorMessages.SERVER_ID_REQUIRED, decodeError(frame));
        }

        @ParameterizedTest(name = "{0}")
        @DisplayName("answers that serverId is too long when it exceeds MAX_SERVER_ID_LENGTH")
        @ValueSource(strings = {"subscribe", "unsubscribe"})
        void rejectsTooLongServerId(String type) {
            String id = "s".repeat(ProtocolCodec.MAX_SERVER_ID_LENGTH + 1);
            assertEquals(ErrorMessages.SERVER_ID_TOO_LONG,
                    decodeError("{\"type\":\"" + type + "\",\"serverId\":\"" + id + "\"}"));
        }
    }

    @Nested
    @DisplayName("encoding server frames")
    class Encoding {

        @Test
        @DisplayName("writes pong as a lone type")
        void writesPong() {
            assertEquals("{\"type\":\"pong\"}", codec.encode(new ServerMessage.Pong()));
        }

        @Test
        @DisplayName("writes auth_success with the user id")
        void writesAuthSuccess() {
            assertEquals("{\"type\":\"auth_success\",\"userId\":\"u\"}", codec.encode(new ServerMessage.AuthSuccess("u")));
        }

        @Test
        @DisplayName("writes auth_error with the error text")
        void writesAuthError() {
            assertEquals("{\"type\":\"auth_error\",\"error\":\"Invalid or expired session\"}",
                    codec.encode(new ServerMessage.AuthError(ErrorMessages.INVALID_SESSION)));
        }

        @Test
        @DisplayName("writes subscribed and unsubscribed with the server id")
        void writesSubscribedAndUnsubscribed() {
            assertEquals("{\"type\":\"subscribed\",\"serverId\":\"srv_1\"}",
                    codec.encode(new ServerMessage.Subscribed("srv_1")));
            assertEquals("{\"type\":\"unsubscribed\",\"serverId\":\"srv_1\"}",
                    codec.encode(new ServerMessage.Unsubscribed("srv_1")));
        }

        @Test
        @DisplayName("writes error with the apostrophe of a fixed message unescaped")
        void writesError() {
            assertEquals("{\"type\":\"error\",\"error\":\"Forbidden: You don't have access to this server\"}",
                    codec.encode(new ServerMessage.Error(ErrorMessages.FORBIDDEN)));
        }

        @Test
        @DisplayName("escapes quotes, backslashes and control characters in an error, as JSON.stringify does")
        void escapesQuotesAndControlCharacters() {
            // Expected value printed by node: JSON.stringify({type:"error",error:"say \"hi\"\n\t\u0001 back\\slash é"})
            assertEquals("{\"type\":\"error\",\"error\":\"say \\\"hi\\\"\\n\\t\\u0001 back\\\\slash é\"}",
                    codec.encode(new ServerMessage.Error("say \"hi\"\n\t\u0001 back\\slash é")));
        }

        @Test
        @DisplayName("writes non-ASCII text as raw UTF-8 bytes, the same from encodeToBytes as from encode")
        void encodesToUtf8Bytes() {
            ServerMessage message = new ServerMessage.Error("Grüße ✓ 東京");
            byte[] bytes = codec.encodeToBytes(message);
            assertArrayEquals("{\"type\":\"error\",\"error\":\"Grüße ✓ 東京\"}".getBytes(StandardCharsets.UTF_8), bytes);
            assertEquals(codec.encode(message), new String(bytes, StandardCharsets.UTF_8));
        }

        @Test
        @DisplayName("writes emoji as raw UTF-8 and escapes with lower-case hex, byte for byte like JSON.stringify")
        void writesLikeNodeForEmojiAndEscapes() {
            // What Node writes for the same message: the rocket as four raw UTF-8 bytes, the control
            // character as a lower-case escape.
            String expected = "{\"type\":\"error\",\"error\":\"up \uD83D\uDE80\\u001f\"}";
            byte[] bytes = codec.encodeToBytes(new ServerMessage.Error("up \uD83D\uDE80\u001f"));
            assertEquals(expected, new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(1, new String(bytes, java.nio.charset.StandardCharsets.UTF_8).codePoints()
                    .filter(cp -> cp == 0x1F680).count());
        }

        @Test
        @DisplayName("never cuts an emoji in half when truncating an echoed unknown type")
        void truncationKeepsSurrogatePairsWhole() {
            String type = "x".repeat(63) + "\uD83D\uDE80" + "tail";
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> codec.decode("{\"type\":\"" + type + "\"}"));
            assertEquals("Unknown message type: \"" + "x".repeat(63) + "...\"", e.getMessage());
        }

        @Test
        @DisplayName("writes a fully populated server:sync with every field in the documented order")
        void writesFullServerSync() {
            ServerState state = new ServerState(
                    "srv_1", "abc123", "My \"Server\"", "running", false, "container_1",
                    1024, 2048, 100.0, "0-1", 512, true, 3,
                    "node_1", "bp_1", "user_1",
                    Instant.parse("2026-03-01T12:00:00Z"),
                    Instant.parse("2026-03-02T08:30:15.123456Z"),
                    new ServerState.Node("node_1", "n1", "Node One", "10.0.0.5", 8080, "https", 2022, true,
                            "10.0.0.5", 8080, new ServerState.Location("loc_1", "Frankfurt")),
                    List.of(new ServerState.Allocation("alloc_1", "0.0.0.0", 25565, true),
                            new ServerState.Allocation("alloc_2", "0.0.0.0", 25566, false)),
                    new ServerState.Blueprint("bp_1", "Minecraft"));

            String expected = "{\"type\":\"server:sync\",\"serverId\":\"srv_1\",\"data\":{"
                    + "\"id\":\"srv_1\",\"shortId\":\"abc123\",\"name\":\"My \\\"Server\\\"\",\"status\":\"running\","
                    + "\"suspended\":false,\"containerId\":\"container_1\",\"memory\":1024,\"disk\":2048,\"cpu\":100,"
                    + "\"cpuPinning\":\"0-1\",\"swap\":512,\"oomKillDisable\":true,\"backupLimit\":3,"
                    + "\"nodeId\":\"node_1\",\"blueprintId\":\"bp_1\",\"ownerId\":\"user_1\","
                    + "\"createdAt\":\"2026-03-01T12:00:00.000Z\",\"updatedAt\":\"2026-03-02T08:30:15.123Z\","
                    + "\"node\":{\"id\":\"node_1\",\"shortId\":\"n1\",\"displayName\":\"Node One\",\"host\":\"10.0.0.5\","
                    + "\"port\":8080,\"protocol\":\"https\",\"sftpPort\":2022,\"isOnline\":true,\"fqdn\":\"10.0.0.5\","
                    + "\"daemonPort\":8080,\"location\":{\"id\":\"loc_1\",\"name\":\"Frankfurt\"}},"
                    + "\"allocations\":[{\"id\":\"alloc_1\",\"ip\":\"0.0.0.0\",\"port\":25565,\"isPrimary\":true},"
                    + "{\"id\":\"alloc_2\",\"ip\":\"0.0.0.0\",\"port\":25566,\"isPrimary\":false}],"
                    + "\"blueprint\":{\"id\":\"bp_1\",\"name\":\"Minecraft\"}}}";
            assertEquals(expected, codec.encode(new ServerMessage.ServerSync("srv_1", state)));
        }

        @Test
        @DisplayName("writes absent values of a server:sync as null and a fractional cpu as is")
        void writesNullsInServerSync() {
            ServerState state = new ServerState("srv_2", null, null, null, true, null, 0, 0, 150.5, null, 0, false, 0,
                    null, null, null, null, null, null, List.of(), null);

            String expected = "{\"type\":\"server:sync\",\"serverId\":\"srv_2\",\"data\":{"
                    + "\"id\":\"srv_2\",\"shortId\":null,\"name\":null,\"status\":null,\"suspended\":true,"
                    + "\"containerId\":null,\"memory\":0,\"disk\":0,\"cpu\":150.5,\"cpuPinning\":null,\"swap\":0,"
                    + "\"oomKillDisable\":false,\"backupLimit\":0,\"nodeId\":null,\"blueprintId\":null,\"ownerId\":null,"
                    + "\"createdAt\":null,\"updatedAt\":null,\"node\":null,\"allocations\":[],\"blueprint\":null}}";
            assertEquals(expected, codec.encode(new ServerMessage.ServerSync("srv_2", state)));
        }

        @Test
        @DisplayName("writes instants in UTC with exactly three digits of milliseconds, like Date.toJSON")
        void writesInstantsLikeJavaScriptDates() {
            assertEquals("2026-03-01T12:00:00.000Z", ProtocolCodec.JS_DATE.format(Instant.parse("2026-03-01T12:00:00Z")));
            assertEquals("2026-03-01T12:00:00.050Z", ProtocolCodec.JS_DATE.format(Instant.parse("2026-03-01T12:00:00.05Z")));
            assertEquals("2026-03-01T10:00:00.999Z",
                    ProtocolCodec.JS_DATE.format(Instant.parse("2026-03-01T12:00:00.999999+02:00")));
        }
    }

    @Test
    @DisplayName("keeps the session token out of the toString of an auth message")
    void authToStringHidesToken() {
        String shown = new ClientMessage.Auth("very-secret-session-token").toString();
        assertFalse(shown.contains("very-secret-session-token"), shown);
        assertEquals("Auth[token=****]", shown);
        assertEquals("Auth[token=null]", new ClientMessage.Auth(null).toString());
    }
}
