package io.stellarrelay.demo;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compose stack's demo profile loads {@code db/demo-data.sql}; the demo loads
 * {@link DemoInstallation}. The file must be the class's script, so that both show the same installation.
 */
class DemoDataFileTest {
    /** Where the compose stack reads the script from (the tests run in the demo module's directory). */
    private static final Path FILE = Path.of("src", "main", "resources", "db", "demo-data.sql");

    @Test
    @DisplayName("demo-data.sql is DemoInstallation's script (else the expected file is written to target/)")
    void fileIsTheInstallationsScript() throws IOException {
        String expected = DemoInstallation.script();
        String actual = Files.readString(FILE);
        Path fresh = Path.of("target", "demo-data.sql");
        if (!expected.equals(actual)) {
            Files.createDirectories(fresh.getParent());
            Files.writeString(fresh, expected);
        }
        assertTrue(expected.equals(actual), () -> "demo/" + FILE + " differs from DemoInstallation.script(): "
                + "if the class is right, copy demo/" + fresh + " over it");
    }
}
