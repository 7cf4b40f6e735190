package io.stellarrelay.demo;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run-demo's "is a build needed?" ({@code scripts/build-inputs.sh}): a restart skips Maven unless something changed. */
class RunDemoBuildCheckTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "build-inputs.sh").toAbsolutePath().normalize();
    private static final Instant BUILT = Instant.parse("2026-01-01T12:00:00Z");

    private record Answer(int exitCode, String output) {}

    private static Answer newerInput(Path dir, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "-c", ". \"$0\" && newer_input \"$@\"",
                SCRIPT.toString()));
        command.addAll(List.of(arguments));
        Process bash = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS), "bash answered");
        return new Answer(bash.exitValue(), new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }

    private static Path file(Path dir, String name, Instant modified) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, name);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    @Test
    @DisplayName("nothing to build when every pom, source and resource is older than the jar")
    void upToDateJarNeedsNoBuild(@TempDir Path dir) throws Exception {
        file(dir, "target/demo.jar", BUILT);
        file(dir, "pom.xml", BUILT.minusSeconds(60));
        file(dir, "src/main/java/A.java", BUILT.minusSeconds(30));
        file(dir, "src/main/resources/web/app.js", BUILT.minusSeconds(1));

        assertEquals(new Answer(1, ""), newerInput(dir, "target/demo.jar", "pom.xml", "src/main", "missing/src/main"));
    }

    @Test
    @DisplayName("a changed resource deep in a source tree, or a changed pom, asks for a build and is named")
    void changedInputIsNamed(@TempDir Path dir) throws Exception {
        file(dir, "target/demo.jar", BUILT);
        file(dir, "pom.xml", BUILT.minusSeconds(60));
        file(dir, "src/main/resources/web/app.js", BUILT.plusSeconds(5));

        assertEquals(new Answer(0, "src/main/resources/web/app.js"), newerInput(dir, "target/demo.jar", "pom.xml", "src/main"));
        file(dir, "src/main/resources/web/app.js", BUILT.minusSeconds(5));
        file(dir, "pom.xml", BUILT.plusSeconds(1));
        assertEquals(new Answer(0, "pom.xml"), newerInput(dir, "target/demo.jar", "pom.xml", "src/main"));
    }

    @Test
    @DisplayName("without a jar a build is needed, and the missing jar is what is named")
    void missingJarNeedsABuild(@TempDir Path dir) throws Exception {
        file(dir, "pom.xml", BUILT);
        assertEquals(new Answer(0, "target/demo.jar"), newerInput(dir, "target/demo.jar", "pom.xml"));
    }
}
