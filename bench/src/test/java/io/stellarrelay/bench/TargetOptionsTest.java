package io.stellarrelay.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetOptionsTest {
    private static FanoutScenario parse(String... args) {
        FanoutScenario scenario = new FanoutScenario();
        new CommandLine(scenario).parseArgs(args);
        return scenario;
    }

    @Test
    void targetDefaultsToTheRelayAndTakesAReference() {
        assertEquals(Target.RELAY, parse().common.target);
        assertEquals(Target.BUN, parse("--target", "bun").common.target);
        assertEquals(Target.NODE, parse("--target", "NODE").common.target);
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse("--target", "deno"));
        assertTrue(e.getMessage().contains("relay, node, bun"), e.getMessage());
    }

    @Test
    void relayJvmOptionsAreTheDocumentedFileAsArgumentFileAndNothingElseByDefault(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("jvm.options"), "-XX:MaxRAMPercentage=75\n");
        CommonOptions common = parse("--relay-jvm-options", file.toString()).common;
        assertEquals(List.of("@" + file.toAbsolutePath()), common.relayJvm());
    }

    @Test
    void heapOverrideAndExtraOptionsComeAfterTheFileSoTheyWin(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("jvm.options"), "-XX:MaxRAMPercentage=75\n");
        CommonOptions common = parse("--relay-jvm-options", file.toString(), "--relay-heap", "1g",
                "--relay-jvm-opt", "-XX:+AlwaysPreTouch").common;
        assertEquals(List.of("@" + file.toAbsolutePath(), "-Xmx1g", "-XX:+AlwaysPreTouch"), common.relayJvm());
    }

    @Test
    void aMissingOptionsFileIsAClearError(@TempDir Path dir) {
        CommonOptions common = parse("--relay-jvm-options", dir.resolve("nope.options").toString()).common;
        IllegalStateException e = assertThrows(IllegalStateException.class, common::relayJvm);
        assertTrue(e.getMessage().contains("nope.options"), e.getMessage());
    }

    @Test
    void theCheckoutsOwnOptionsFileIsTheDefault() {
        Path root = CommonOptions.projectRoot();
        assertEquals(root.resolve("relay/jvm.options"), new CommonOptions().relayJvmOptionsPath());
        assertTrue(Files.isRegularFile(new CommonOptions().relayJvmOptionsPath()));
    }
}
