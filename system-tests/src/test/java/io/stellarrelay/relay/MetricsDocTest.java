package io.stellarrelay.relay;

import io.stellarrelay.docs.ProjectDocs;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metric tables of docs/metrics.md name exactly the stellar_* series a relay and a poller expose. */
class MetricsDocTest {
    /** A table row's first cell: a metric name, its label names in braces left out. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(stellar_[a-z_]+)(?:\\{[^}]*})?` \\|");
    /** The series a timer adds to its own name. */
    private static final Pattern TIMER_SERIES = Pattern.compile("_(count|sum|max|bucket)$");

    private static Set<String> documented() {
        Set<String> names = new TreeSet<>();
        Matcher m = ROW.matcher(ProjectDocs.read("docs/metrics.md"));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    @DisplayName("every stellar_* series a relay or poller exposes has a row in docs/metrics.md, and every row is exposed")
    void tablesMatchTheRegistries() {
        Set<String> documented = documented();
        assertTrue(documented.size() >= 15, "found the rows: " + documented);
        Set<String> exposed = new TreeSet<>(DashboardTest.exposedNames());
        exposed.removeIf(name -> !name.startsWith("stellar_"));

        List<String> undocumented = new ArrayList<>();
        for (String name : exposed) {
            if (!documented.contains(name) && !documented.contains(TIMER_SERIES.matcher(name).replaceFirst(""))) {
                undocumented.add(name);
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String name : documented) {
            if (!exposed.contains(name) && !exposed.contains(name + "_count")) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), undocumented, "exposed but without a row in docs/metrics.md");
        assertEquals(List.of(), unknown, "rows of docs/metrics.md that nothing exposes");
    }
}
