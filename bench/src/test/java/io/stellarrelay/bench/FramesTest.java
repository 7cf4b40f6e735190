package io.stellarrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarrelay.protocol.ProtocolCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FramesTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void aStampedSyncCarriesItsSendTimeAsTheFirstDataFieldAndStaysAServerSync() throws Exception {
        Frames.Stamped template = Frames.Stamped.sync(codec, "bs_0000042", 42, 1200);
        long nanos = System.nanoTime() + 987_654_321_012_345L;
        byte[] frame = template.stamp(nanos);

        assertEquals(1200, frame.length);
        assertEquals(nanos, Frames.sentNanos(ByteBuffer.wrap(frame)));
        assertEquals(Frames.EPOCH, Frames.sentNanos(ByteBuffer.wrap(template.stamp(Frames.EPOCH))));
        JsonNode json = codec.readTree(new String(frame, StandardCharsets.UTF_8));
        assertEquals("server:sync", json.get("type").asText());
        assertEquals("bs_0000042", json.get("serverId").asText());
        assertEquals(Frames.SENT_FIELD, json.get("data").fieldNames().next(), "the timestamp is the first field of data");
        assertEquals("bs_0000042", json.get("data").get("id").asText());
        assertEquals(2, json.get("data").get("allocations").size());
    }

    @Test
    void theTimeIsFoundWhereverTheFrameSitsInTheBufferAndFramesWithoutOneGiveMinusOne() {
        long now = System.nanoTime();
        byte[] frame = Frames.Stamped.sync(codec, "srv_a_much_longer_server_id", 1, 300).stamp(now);
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length + 20);
        direct.position(7);
        direct.put(frame);
        direct.position(7).limit(7 + frame.length);
        assertEquals(now, Frames.sentNanos(direct));
        assertEquals(Frames.Kind.SYNC, Frames.kind(direct));
        assertEquals("srv_a_much_longer_server_id", Frames.serverId(direct));

        ByteBuffer realSync = ByteBuffer.wrap("{\"type\":\"server:sync\",\"serverId\":\"s1\",\"data\":{\"id\":\"s1\"}}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(-1, Frames.sentNanos(realSync));
        assertEquals("s1", Frames.serverId(realSync));
        ByteBuffer truncated = ByteBuffer.wrap(("{\"type\":\"server:sync\",\"serverId\":\"s1\",\"data\":{\""
                + Frames.SENT_FIELD + "\":12").getBytes(StandardCharsets.UTF_8));
        assertEquals(-1, Frames.sentNanos(truncated));
    }

    @Test
    void framesAreToldApartByTheirFirstBytes() {
        assertEquals(Frames.Kind.AUTH_SUCCESS, kind("{\"type\":\"auth_success\",\"userId\":\"u\"}"));
        assertEquals(Frames.Kind.AUTH_ERROR, kind("{\"type\":\"auth_error\",\"error\":\"Invalid or expired session\"}"));
        assertEquals(Frames.Kind.SUBSCRIBED, kind("{\"type\":\"subscribed\",\"serverId\":\"s\"}"));
        assertEquals(Frames.Kind.ERROR, kind("{\"type\":\"error\",\"error\":\"Forbidden\"}"));
        assertEquals(Frames.Kind.PONG, kind("{\"type\":\"pong\"}"));
        assertEquals(Frames.Kind.OTHER, kind("{\"type\":\"unsubscribed\",\"serverId\":\"s\"}"));
        assertEquals(Frames.Kind.OTHER, kind("{"));
        assertNull(Frames.serverId(ByteBuffer.wrap("{\"type\":\"pong\"}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aSmallPayloadSizeIsNotPadded() {
        byte[] frame = Frames.Stamped.sync(codec, "bs_0000001", 1, 10).stamp(1);
        assertTrue(frame.length > 10);
        assertTrue(!new String(frame, StandardCharsets.UTF_8).contains("benchPad"));
    }

    private static Frames.Kind kind(String s) {
        return Frames.kind(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aStampedStatusEventIsTheContractsFrameWithItsSendTimeAndIsRecognisedAsStatus() throws Exception {
        long nanos = System.nanoTime();
        byte[] frame = Frames.Stamped.status(codec, "bs_0000007").stamp(nanos);

        ByteBuffer buffer = ByteBuffer.wrap(frame);
        assertEquals(Frames.Kind.STATUS, Frames.kind(buffer));
        assertEquals(nanos, Frames.sentNanos(buffer));
        assertTrue(new String(frame, StandardCharsets.UTF_8).startsWith(
                "{\"type\":\"server:status\",\"serverId\":\"bs_0000007\",\"data\":{"), "the prefix relays check");
        assertEquals("running", codec.readTree(new String(frame, StandardCharsets.UTF_8)).get("data").get("status").asText());
    }

    @Test
    void consoleFramesAreRecognisedAndTheirLinesAndDroppedCountIsRead() {
        ByteBuffer withDrops = ByteBuffer.wrap(("{\"type\":\"server:console\",\"serverId\":\"bs_0000000\","
                + "\"data\":{\"lines\":[\"fl1 xx\",\"fl2 xx\",\"fl3 xx\"],\"dropped\":1234}}").getBytes(StandardCharsets.UTF_8));
        ByteBuffer withoutDrops = ByteBuffer.wrap(("{\"type\":\"server:console\",\"serverId\":\"bs_0000000\","
                + "\"data\":{\"lines\":[\"fl9 xx\"]}}").getBytes(StandardCharsets.UTF_8));

        assertEquals(Frames.Kind.CONSOLE, Frames.kind(withDrops));
        assertEquals(3, Frames.count(withDrops, Frames.ascii("\"fl")));
        assertEquals(1234, Frames.dropped(withDrops));
        assertEquals(1, Frames.count(withoutDrops, Frames.ascii("\"fl")));
        assertEquals(0, Frames.dropped(withoutDrops));
    }
}
