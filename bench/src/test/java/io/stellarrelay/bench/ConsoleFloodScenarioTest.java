package io.stellarrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleFloodScenarioTest {

    @Test
    void aFloodMessageIsWhatBackendsPublishWithNumberedLinesOfTheSetLengthThatTheClientCounts() throws Exception {
        ConsoleFloodScenario scenario = new ConsoleFloodScenario();
        scenario.lineBytes = 40;
        byte[] message = scenario.consoleMessage(1000, 3);

        JsonNode lines = new ObjectMapper().readTree(message).get("lines");
        assertEquals(3, lines.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(40, lines.get(i).asText().length());
            assertEquals("fl" + (1000 + i) + " ", lines.get(i).asText().substring(0, 7));
        }
        assertEquals(3, Frames.count(ByteBuffer.wrap(message), Frames.ascii("\"fl")));
    }
}
