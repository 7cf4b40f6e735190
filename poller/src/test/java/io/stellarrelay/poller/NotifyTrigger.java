package io.stellarrelay.poller;

import io.stellarrelay.testing.TestDatabase;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Installs the trigger file operators install, exactly as shipped, on a test database. */
final class NotifyTrigger {
    static final String RESOURCE = "/db/notify-trigger.sql";

    private NotifyTrigger() {}

    static void install(TestDatabase db) {
        try (InputStream in = NotifyTrigger.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            db.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
