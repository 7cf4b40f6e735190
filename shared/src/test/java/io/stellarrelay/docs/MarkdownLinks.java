package io.stellarrelay.docs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Markdown page links to and which anchors its headings give, as GitHub renders it. Text in
 * fenced code blocks and in code spans is neither a link nor a heading.
 */
final class MarkdownLinks {
    /** A link, image or link reference definition as written: {@code target} is its destination, title left out. */
    record Link(int line, String target) {}

    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** A link reference definition, {@code [label]: target "title"}, which {@code [label]} in the text uses. */
    private static final Pattern DEFINITION = Pattern.compile(
            "^ {0,3}\\[[^\\]]+]:\\s*<?([^\\s>]+)>?(?:\\s+(?:\"[^\"]*\"|'[^']*'|\\([^)]*\\)))?\\s*$");
    private static final Pattern DEFINITION_LABEL = Pattern.compile("^ {0,3}\\[([^\\]]+)]:");
    /**
     * A reference link: {@code [text][label]}, or a shortcut {@code [`Name`]} whose text is one code span (the
     * form this project's pages use; other bracketed text is left alone, it is often just text).
     */
    private static final Pattern REFERENCE = Pattern.compile("\\[([^\\]]+)]\\[([^\\]]*)]|\\[(`[^`\\]]+`)](?![(\\[])");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```+|~~~+)");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    /** What GitHub drops from a heading's text to make its anchor: all but letters, digits, marks, '_', '-' and spaces. */
    private static final Pattern NOT_IN_ANCHOR = Pattern.compile("[^\\p{L}\\p{M}\\p{N}_\\- ]");

    private MarkdownLinks() {}

    /** The lines of {@code markdown} that are prose: lines inside fenced code blocks come back as null. */
    private static List<String> proseLines(String markdown) {
        List<String> lines = new ArrayList<>();
        String fence = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher f = FENCE.matcher(line);
            if (fence == null && f.find()) {
                fence = f.group(1);
                lines.add(null);
            } else if (fence != null) {
                if (f.find() && f.group(1).charAt(0) == fence.charAt(0) && f.group(1).length() >= fence.length()
                        && line.strip().equals(f.group(1))) {
                    fence = null;
                }
                lines.add(null);
            } else {
                lines.add(line);
            }
        }
        return lines;
    }

    static List<Link> links(String markdown) {
        List<Link> links = new ArrayList<>();
        List<String> lines = proseLines(markdown);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i) == null) {
                continue;
            }
            Matcher d = DEFINITION.matcher(lines.get(i));
            if (d.matches()) {
                links.add(new Link(i + 1, d.group(1)));
                continue;
            }
            Matcher m = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll(""));
            while (m.find()) {
                links.add(new Link(i + 1, m.group(1)));
            }
        }
        return links;
    }

    /** The labels of reference links that no definition of the page answers, with their line. */
    static List<Link> undefinedReferences(String markdown) {
        List<String> lines = proseLines(markdown);
        Set<String> defined = new HashSet<>();
        for (String line : lines) {
            Matcher d = line == null || !DEFINITION.matcher(line).matches() ? null : DEFINITION_LABEL.matcher(line);
            if (d != null && d.find()) {
                defined.add(label(d.group(1)));
            }
        }
        List<Link> undefined = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i) == null || DEFINITION.matcher(lines.get(i)).matches()) {
                continue;
            }
            Matcher r = REFERENCE.matcher(outsideCode(lines.get(i)));
            while (r.find()) {
                String used = r.group(3) != null ? r.group(3) : r.group(2).isEmpty() ? r.group(1) : r.group(2);
                if (!defined.contains(label(used))) {
                    undefined.add(new Link(i + 1, "[" + used + "]"));
                }
            }
        }
        return undefined;
    }

    /** The line with its code spans left out, except those that are a whole bracketed label, {@code [`Name`]}. */
    private static String outsideCode(String line) {
        Matcher c = CODE_SPAN.matcher(line);
        StringBuilder out = new StringBuilder();
        while (c.find()) {
            boolean label = c.start() > 0 && line.charAt(c.start() - 1) == '['
                    && c.end() < line.length() && line.charAt(c.end()) == ']';
            c.appendReplacement(out, label ? Matcher.quoteReplacement(c.group()) : "");
        }
        return c.appendTail(out).toString();
    }

    /** Labels match case-insensitively, with runs of white space as one space. */
    private static String label(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The anchors of the page's headings, in order; a repeated heading gets "-1", "-2"… as on GitHub. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : proseLines(markdown)) {
            Matcher h = line == null ? null : HEADING.matcher(line);
            if (h != null && h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    /** GitHub's anchor for a heading: its rendered text in lower case, punctuation dropped, spaces as '-'. */
    static String slug(String heading) {
        String text = CODE_SPAN.matcher(heading).replaceAll("$2")
                .replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1")
                .replaceAll("(\\*\\*|__|\\*)", "");
        return NOT_IN_ANCHOR.matcher(text.toLowerCase(Locale.ROOT)).replaceAll("").replace(' ', '-');
    }
}
