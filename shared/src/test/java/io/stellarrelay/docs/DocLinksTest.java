package io.stellarrelay.docs;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link of the README, of the pages under docs/ and of bench/README.md leads to a file, and to a
 * heading when it names one.
 */
class DocLinksTest {

    /** Where each link of {@code pages} (relative to {@code root}) fails to resolve, one line per broken link. */
    static List<String> brokenLinks(Path root, List<Path> pages) {
        Map<Path, Set<String>> anchorsByPage = new HashMap<>();
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            String text = read(root.resolve(page));
            for (MarkdownLinks.Link reference : MarkdownLinks.undefinedReferences(text)) {
                broken.add(page + ":" + reference.line() + ": " + reference.target() + " (reference without a definition)");
            }
            for (MarkdownLinks.Link link : MarkdownLinks.links(text)) {
                String problem = problem(root, page, link.target(), anchorsByPage);
                if (problem != null) {
                    broken.add(page + ":" + link.line() + ": " + link.target() + " (" + problem + ")");
                }
            }
        }
        return broken;
    }

    private static String problem(Path root, Path page, String target, Map<Path, Set<String>> anchorsByPage) {
        if (target.isEmpty()) {
            return "empty link";
        }
        if (target.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return null; // http:, https:, mailto:: not this test's business
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = (file.isEmpty() ? root.resolve(page)
                : file.startsWith("/") ? root.resolve(file.substring(1)) : root.resolve(page).resolveSibling(file))
                .normalize();
        if (!resolved.startsWith(root)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor == null || !resolved.getFileName().toString().endsWith(".md")) {
            return null; // anchors of other files (#L10 of source) are GitHub's line links
        }
        Set<String> anchors = anchorsByPage.computeIfAbsent(resolved, p -> MarkdownLinks.anchors(read(p)));
        return anchors.contains(anchor) ? null : "no heading with anchor #" + anchor;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("every relative link of README.md, docs/ and bench/README.md resolves to a file and, with #, to one of its headings")
    void everyLinkResolves() {
        List<Path> pages = new ArrayList<>(ProjectDocs.pages());
        pages.add(Path.of("bench", "README.md")); // the README and docs link to it, and it links back
        int links = pages.stream().mapToInt(p -> MarkdownLinks.links(ProjectDocs.read(p.toString())).size()).sum();
        assertTrue(links >= 30, "found the links of " + pages + ": " + links);
        assertEquals(List.of(), brokenLinks(ProjectDocs.ROOT, pages), "broken links");
    }

    @Test
    @DisplayName("a link or reference to a missing file, a missing heading or out of the repository, or a reference without a definition, is reported")
    void reportsBrokenLinks(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("README.md"), """
                # Title
                See [the page](docs/page.md#second-part), [nothing](docs/missing.md) and [up](../outside.md).
                Here: [top](#title), [none](#no-such-heading), `[in code](docs/missing.md)`.
                ```
                [in a fence](docs/missing.md)
                ```
                A [`reference`] and [another][ref], but [`undefined`] and [this][nowhere] lead nowhere;
                [`reference`]: a line of text, `redis://[user@]host[:port][/db]` code, [`gone`]: text.

                [`reference`]: docs/page.md
                [ref]: docs/gone.md "a title"
                """);
        Files.writeString(root.resolve("docs/page.md"), """
                # Page
                ## Second part
                Back [home](../README.md#title), [wrong](../README.md#titel), [picture](img/chart.png).
                """);
        assertEquals(List.of(
                "README.md:7: [`undefined`] (reference without a definition)",
                "README.md:7: [nowhere] (reference without a definition)",
                "README.md:8: [`gone`] (reference without a definition)",
                "README.md:2: docs/missing.md (no such file)",
                "README.md:2: ../outside.md (outside the repository)",
                "README.md:3: #no-such-heading (no heading with anchor #no-such-heading)",
                "README.md:11: docs/gone.md (no such file)",
                "docs/page.md:3: ../README.md#titel (no heading with anchor #titel)",
                "docs/page.md:3: img/chart.png (no such file)"),
                brokenLinks(root, List.of(Path.of("README.md"), Path.of("docs/page.md"))));
    }

    @Test
    @DisplayName("anchors follow GitHub: lower case, code and punctuation marks dropped, spaces as dashes, repeats numbered")
    void anchorsAsGitHubMakesThem() {
        assertEquals(List.of("pollers-shares-and-ticks", "serversync", "redis_prefix-and-more", "step-2--again",
                        "faq", "faq-1"),
                List.copyOf(MarkdownLinks.anchors("""
                        ## Pollers: shares and ticks
                        ### `server:sync`
                        # REDIS_PREFIX, and **more**
                        ## Step 2 – again
                        ```sh
                        # a comment in a fence is no heading
                        ```
                        ## FAQ
                        ## FAQ
                        """)));
    }
}
