package io.stellarrelay.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HeapInfoTest {
    @Test
    @DisplayName("the serial collector's young and old generations both count, metaspace does not")
    void serialCollector() {
        String report = """
                12345:
                DefNew     total 14784K, used 10538K [0x0000000687400000, 0x0000000688400000, 0x0000000688400000)
                 eden space 13184K,  67% used [0x0000000687400000, 0x0000000687cbab40, 0x00000006880e0000)
                 from space 1600K,  99% used [0x00000006880e0000, 0x000000068826fff8, 0x0000000688270000)
                 to   space 1600K,   0% used [0x0000000688270000, 0x0000000688270000, 0x0000000688400000)
                Tenured    total 370688K, used 7321K [0x0000000688400000, 0x000000069ee00000, 0x0000000800000000)
                 the  space 370688K,   1% used [0x0000000688400000, 0x0000000688b26610, 0x000000069ee00000)
                 Metaspace       used 1234K, committed 1408K, reserved 1114112K
                  class space    used 100K, committed 192K, reserved 1048576K
                """;
        assertEquals((10538L + 7321L) * 1024, RelayProcess.heapUsedBytes(report));
    }

    @Test
    @DisplayName("G1 states its heap on one line")
    void g1() {
        String report = """
                12345:
                 garbage-first heap   total 262144K, used 20480K [0x0000000700000000, 0x0000000800000000)
                  region size 2048K, 10 young (20480K), 0 survivors (0K)
                 Metaspace       used 1234K, committed 1408K, reserved 1114112K
                """;
        assertEquals(20480L * 1024, RelayProcess.heapUsedBytes(report));
    }

    @Test
    @DisplayName("no heap figure, no number")
    void nothing() {
        assertEquals(-1, RelayProcess.heapUsedBytes("12345:\ncommand not found"));
    }
}
