package io.stellarrelay.demo;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo as a user runs it: a process that prints where to go, and that Ctrl-C (SIGINT) takes down whole. */
class DemoMainIT {
    private static final Pattern URL = Pattern.compile("open http://localhost:(\\d+)/");

    @Test
    @DisplayName("the demo prints its URL, and Ctrl-C stops it leaving no process, port or temporary file")
    void ctrlCLeavesNothingBehind() throws Exception {
        Path tmp = Files.createDirectories(Path.of("target", "demo-main-tmp")).toAbsolutePath();
        try (var old = Files.list(tmp)) {
            assertEquals(0, old.count(), "starts from an empty temporary directory");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), DemoMain.class.getName()).redirectErrorStream(true);
        builder.environment().put("PORT", "0");
        Process demo = builder.start();
        List<String> output = new ArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    Matcher m = URL.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        try {
            int relayPort = port.get(60, TimeUnit.SECONDS);
            new Socket("127.0.0.1", relayPort).close();

            assertTrue(new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start().waitFor(10, TimeUnit.SECONDS),
                    "kill ran");
            assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "the demo exits on SIGINT");
            reader.join(5_000);
            synchronized (output) {
                assertTrue(output.contains("Stopped; nothing left behind."), String.join("\n", output));
            }
            assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", relayPort).close());
            try (var left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "no temporary files left");
            }
            String marker = tmp.toString();
            assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(marker)),
                    "no embedded server process left");
        } finally {
            // On a failure the demo's embedded servers must not outlive it.
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
    }
}
