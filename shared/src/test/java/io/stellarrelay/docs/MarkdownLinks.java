package io.stellarrelay.docs;

import java.util.ArrayList;
import java.util.HashMap;
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
    /** A link or image as written: {@code target} is everything between the parentheses, title left out. */
    record Link(int line, String target) {}

    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
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
            Matcher m = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll(""));
            while (m.find()) {
                links.add(new Link(i + 1, m.group(1)));
            }
        }
        return links;
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
