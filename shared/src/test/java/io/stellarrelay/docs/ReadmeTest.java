package io.stellarrelay.docs;

import io.stellarrelay.protocol.CloseCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's reference tables must match the code they describe. */
class ReadmeTest {

    private static String readme() throws Exception {
        for (Path candidate : new Path[] {Path.of("README.md"), Path.of("..", "README.md")}) {
            if (Files.exists(candidate)) {
                return Files.readString(candidate);
            }
        }
        throw new IllegalStateException("README.md not found from " + Path.of("").toAbsolutePath());
    }

    @Test
    @DisplayName("the close code table lists every close code with its meaning and reconnect advice")
    void closeCodeTableMatchesTheEnum() throws Exception {
        String readme = readme();
        for (CloseCode code : CloseCode.values()) {
            Pattern row = Pattern.compile("(?m)^\\| " + code.code() + " \\| [^|]*\\| " + (code.reconnect() ? "yes" : "no") + "\\b");
            assertTrue(row.matcher(readme).find(), "README row for close code " + code.code() + " (" + code
                    + ", reconnect " + (code.reconnect() ? "yes" : "no") + ")");
        }
    }
}
