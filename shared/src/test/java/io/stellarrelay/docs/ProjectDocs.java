package io.stellarrelay.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The documentation of the checkout the tests run in (README.md and the pages under docs/), for the tests
 * that keep it in step with the code. Tests of every module use it, whatever directory they run in.
 */
public final class ProjectDocs {
    /** The repository root: the directory holding the parent pom, README.md and docs/. */
    public static final Path ROOT = findRoot();

    private ProjectDocs() {}

    private static Path findRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isRegularFile(dir.resolve("README.md"))
                    && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (with pom.xml, README.md and docs/) above "
                + Path.of("").toAbsolutePath());
    }

    /** The text of a file given relative to the repository root, e.g. {@code docs/configuration.md}. */
    public static String read(String relative) {
        try {
            return Files.readString(ROOT.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** README.md and every Markdown page under docs/, relative to the root, README first. */
    public static List<Path> pages() {
        List<Path> pages = new ArrayList<>();
        pages.add(Path.of("README.md"));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .map(ROOT::relativize)
                    .sorted()
                    .forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }
}
