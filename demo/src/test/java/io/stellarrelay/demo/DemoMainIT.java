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
    /** What a quiet log never shows: warnings, errors, stack traces, terminal escape codes. */
    private static final Pattern NOISE = Pattern.compile("WARN|ERROR|Exception|^\\s+at |\u001b");

    /**
     * Starts {@code command} as a terminal starts a foreground job: in a process group of its own, with
     * SIGINT at its default. A process started in the background by a non-interactive shell (a build, say)
     * inherits SIGINT as ignored, and a JVM that ignores it never runs its shutdown hooks on Ctrl-C.
     */
    private static Process startAsInATerminal(List<String> command) throws Exception {
        List<String> launcher = new ArrayList<>(List.of("perl", "-e",
                "$SIG{INT} = 'DEFAULT'; setpgrp(0, 0) or die $!; exec @ARGV or die $!"));
        launcher.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(launcher).redirectErrorStream(true);
        builder.environment().put("PORT", "0");
        return builder.start();
    }

    /** A terminal's Ctrl-C: SIGINT to every process of the foreground group at once. */
    private static void ctrlC(long processGroup) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-INT", "--", "-" + processGroup).start().waitFor(), "kill ran");
    }

    private static boolean groupHasProcesses(long processGroup) throws Exception {
        Process probe = new ProcessBuilder("kill", "-0", "--", "-" + processGroup).redirectErrorStream(true).start();
        assertTrue(probe.waitFor(10, TimeUnit.SECONDS));
        return probe.exitValue() == 0;
    }

    @Test
    @DisplayName("the demo prints its URL, and Ctrl-C stops it quietly, leaving no process, port or temporary file")
    void ctrlCLeavesNothingBehind() throws Exception {
        Path tmp = Files.createDirectories(Path.of("target", "demo-main-tmp")).toAbsolutePath();
        try (var old = Files.list(tmp)) {
            assertEquals(0, old.count(), "starts from an empty temporary directory");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process demo = startAsInATerminal(List.of(java, "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"), DemoMain.class.getName()));
        List<String> output = new ArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<Void> pollerActive = new CompletableFuture<>();
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
                    if (line.contains("is now active")) {
                        pollerActive.complete(null);
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        try {
            int relayPort = port.get(60, TimeUnit.SECONDS);
            new Socket("127.0.0.1", relayPort).close();
            // Everything running, the poller holding its lease and the relay its watch set: what a stop releases.
            pollerActive.get(30, TimeUnit.SECONDS);

            ctrlC(demo.pid());
            assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "the demo exits on SIGINT");
            reader.join(5_000);
            synchronized (output) {
                String log = String.join("\n", output);
                assertTrue(output.contains("Stopped; nothing left behind."), log);
                assertEquals(List.of(), output.stream().filter(line -> NOISE.matcher(line).find()).toList(),
                        "a quiet start and stop:\n" + log);
            }
            assertFalse(groupHasProcesses(demo.pid()), "nothing of the demo's process group is left running");
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
