package io.stellarrelay.docs;

import io.stellarrelay.protocol.CloseCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protocol page's reference tables (docs/protocol.md) must match the code they describe. */
class ProtocolDocTest {

    @Test
    @DisplayName("the close code table lists every close code with its meaning and reconnect advice")
    void closeCodeTableMatchesTheEnum() {
        String page = ProjectDocs.read("docs/protocol.md");
        for (CloseCode code : CloseCode.values()) {
            Pattern row = Pattern.compile("(?m)^\\| " + code.code() + " \\| [^|]*\\| " + (code.reconnect() ? "yes" : "no") + "\\b");
            assertTrue(row.matcher(page).find(), "docs/protocol.md row for close code " + code.code() + " (" + code
                    + ", reconnect " + (code.reconnect() ? "yes" : "no") + ")");
        }
    }
}
