package io.stellarrelay.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceRelaysTest {
    private static Path executable(Path file, byte[] content) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void installIsNeededUntilNpmRecordedTheCurrentLockFile(@TempDir Path dir) throws Exception {
        ReferenceRelays refs = new ReferenceRelays(dir);
        Path lock = Files.writeString(dir.resolve("package-lock.json"), "{}");
        assertTrue(refs.needsInstall());
        Path marker = dir.resolve("node_modules/.package-lock.json");
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, "{}");
        Files.setLastModifiedTime(lock, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        Files.setLastModifiedTime(marker, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
        assertFalse(refs.needsInstall());
        Files.setLastModifiedTime(lock, FileTime.from(Instant.parse("2026-01-03T00:00:00Z"))); // lock file changed
        assertTrue(refs.needsInstall());
    }

    @Test
    void bunIsTheRealExecutableNotAScriptShim(@TempDir Path dir) throws Exception {
        ReferenceRelays refs = new ReferenceRelays(dir);
        assertThrows(IllegalStateException.class, refs::bunBinary);
        // Before the install script ran, the bun package's bin is a placeholder script.
        executable(dir.resolve("node_modules/bun/bin/bun.exe"), "#!/bin/sh\necho placeholder\n".getBytes());
        assertThrows(IllegalStateException.class, refs::bunBinary);
        Path real = executable(dir.resolve("node_modules/@oven/bun-linux-x64/bin/bun"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1});
        assertEquals(real, refs.bunBinary());
        assertEquals(List.of(real.toString(), dir.resolve("bun.js").toString()), refs.command(Target.BUN, "node"));
    }

    @Test
    void nodeRunsItsEntryFileAndTheRelayIsNoReference(@TempDir Path dir) throws Exception {
        ReferenceRelays refs = new ReferenceRelays(dir);
        assertEquals(List.of("/opt/node", dir.resolve("node-ws.js").toString()), refs.command(Target.NODE, "/opt/node"));
        assertThrows(IllegalArgumentException.class, () -> refs.command(Target.RELAY, "node"));
    }

    @Test
    void withoutTheLockFileInstallSaysWhere(@TempDir Path dir) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ReferenceRelays(dir).install("npm", dir.resolve("log"), java.time.Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
