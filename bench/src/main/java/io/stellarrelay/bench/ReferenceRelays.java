package io.stellarrelay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference relays' package ({@code bench/reference/}): installs its npm dependencies on first use
 * ({@code npm ci}, exactly the committed lock file) and gives the command line of each reference.
 */
final class ReferenceRelays {
    /** Where npm records what it installed; older than package-lock.json means the lock file changed. */
    private static final String INSTALLED_MARKER = "node_modules/.package-lock.json";
    /**
     * Where the Bun binary can be after {@code npm ci}: the platform package ships it, and the
     * {@code bun} package's install script moves it into its own bin/. The first real executable wins,
     * so the measured process is Bun itself, not a shim that starts it.
     */
    private static final List<String> BUN_BINARIES = List.of(
            "node_modules/@oven/bun-linux-x64/bin/bun",
            "node_modules/@oven/bun-linux-x64-baseline/bin/bun",
            "node_modules/@oven/bun-linux-aarch64/bin/bun",
            "node_modules/bun/bin/bun.exe");
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F'};

    private final Path dir;

    ReferenceRelays(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** {@code bench/reference} of this checkout. */
    static ReferenceRelays ofProject() {
        Path root = CommonOptions.projectRoot();
        return new ReferenceRelays(root == null ? Path.of("bench", "reference") : root.resolve("bench/reference"));
    }

    Path dir() {
        return dir;
    }

    boolean needsInstall() throws IOException {
        Path marker = dir.resolve(INSTALLED_MARKER);
        return !Files.isRegularFile(marker)
                || Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(dir.resolve("package-lock.json"))) < 0;
    }

    /** {@code npm ci} when the dependencies are missing or older than the lock file; its output goes to {@code log}. */
    void install(String npm, Path log, Duration timeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(dir.resolve("package-lock.json"))) {
            throw new IllegalStateException("no reference relays at " + dir + " (package-lock.json missing)");
        }
        if (!needsInstall()) {
            return;
        }
        Process p = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("npm ci in " + dir + " took longer than " + timeout.toSeconds() + " s; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("npm ci in " + dir + " failed with status " + p.exitValue() + "; see " + log);
        }
    }

    /** The command that runs {@code target}'s reference relay in {@link #dir()}. */
    List<String> command(Target target, String node) throws IOException {
        return switch (target) {
            case NODE -> List.of(node, dir.resolve(target.entryFile()).toString());
            case BUN -> List.of(bunBinary().toString(), dir.resolve(target.entryFile()).toString());
            case RELAY -> throw new IllegalArgumentException("the relay is not a reference relay");
        };
    }

    Path bunBinary() throws IOException {
        for (String candidate : BUN_BINARIES) {
            Path path = dir.resolve(candidate);
            if (Files.isRegularFile(path) && Files.isExecutable(path) && isElf(path)) {
                return path;
            }
        }
        throw new IllegalStateException("no Bun executable under " + dir.resolve("node_modules")
                + " (looked for " + BUN_BINARIES + "); run npm ci there");
    }

    private static boolean isElf(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(ELF.length), ELF);
        }
    }
}
