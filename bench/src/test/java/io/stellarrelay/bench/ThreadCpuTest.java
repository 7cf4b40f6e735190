package io.stellarrelay.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ProcStats.threadCpuMillis")
class ThreadCpuTest {

    @Test
    @DisplayName("reads every live thread's CPU from /proc, by name with digits folded, without attaching to the process")
    void readsThreadsOfAProcess() throws Exception {
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(1);
        Thread busy = Thread.ofPlatform().name("busy-worker-7").start(() -> {
            long until = System.nanoTime() + 50_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            spun.countDown();
            try {
                read.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertTrue(spun.await(10, TimeUnit.SECONDS));
            Map<String, Double> threads = ProcStats.threadCpuMillis(ProcessHandle.current().pid());
            assertTrue(threads.containsKey("busy-worker-#"), "a live thread by its folded name: " + threads);
            assertTrue(threads.values().stream().allMatch(ms -> ms >= 0), threads.toString());
            assertTrue(threads.keySet().stream().noneMatch(name -> name.matches(".*\\d.*")), "digits folded: " + threads);
        } finally {
            read.countDown();
            busy.join(10_000);
        }
    }
}
