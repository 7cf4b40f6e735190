package io.stellarrelay.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository checkout the tests run in: they check its files, not copies of them. */
final class Repository {
    static final Path ROOT = findRoot();

    private Repository() {}

    private static Path findRoot() {
        // Surefire runs in deploy/; an IDE may run from the root.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker-compose.yml")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (with docker-compose.yml) above " + Path.of("").toAbsolutePath());
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code path} relative to the root with forward slashes, or null when it lies outside the repository. */
    static String relative(Path path) {
        Path normalized = path.toAbsolutePath().normalize();
        return normalized.startsWith(ROOT) ? ROOT.relativize(normalized).toString().replace('\\', '/') : null;
    }
}
