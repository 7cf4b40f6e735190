package io.stellarrelay.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ProcStats.threadCpuMillis")
class ThreadCpuTest {

    @Test
    @DisplayName("reads every thread's CPU from /proc, by name with digits folded, without attaching to the process")
    void readsThreadsOfAProcess() throws Exception {
        Thread busy = Thread.ofPlatform().name("busy-worker-7").start(() -> {
            long until = System.nanoTime() + 50_000_000;
            long spins = 0;
            while (System.nanoTime() < until) {
                spins++;
            }
            assertTrue(spins > 0);
        });
        busy.join();
        Map<String, Double> threads = ProcStats.threadCpuMillis(ProcessHandle.current().pid());
        assertTrue(threads.containsKey("main"), threads.toString());
        assertTrue(threads.values().stream().allMatch(ms -> ms >= 0), threads.toString());
        assertTrue(threads.keySet().stream().noneMatch(name -> name.matches(".*\\d.*")), "digits folded: " + threads);
    }
}
