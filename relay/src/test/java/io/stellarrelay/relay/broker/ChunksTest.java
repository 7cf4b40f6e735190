package io.stellarrelay.relay.broker;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("Chunks")
class ChunksTest {
    private static List<String[]> chunksOf(int count) {
        List<String> names = IntStream.range(0, count).mapToObj(i -> "s" + i).toList();
        List<String[]> chunks = new ArrayList<>();
        Chunks.forChunks(names, chunks::add);
        assertEquals(names, chunks.stream().flatMap(Arrays::stream).toList(), "every name once, in order");
        return chunks;
    }

    @Test
    @DisplayName("no names, no command")
    void none() {
        assertEquals(0, chunksOf(0).size());
    }

    @Test
    @DisplayName("a list of up to one command's worth goes in one command")
    void oneCommand() {
        assertEquals(1, chunksOf(1).size());
        assertEquals(1, chunksOf(Chunks.PER_COMMAND).size());
    }

    @Test
    @DisplayName("a longer list is cut into full commands and a last, shorter one")
    void cut() {
        List<String[]> chunks = chunksOf(2 * Chunks.PER_COMMAND + 1);
        assertEquals(List.of(Chunks.PER_COMMAND, Chunks.PER_COMMAND, 1),
                chunks.stream().map(chunk -> chunk.length).toList());
    }
}
