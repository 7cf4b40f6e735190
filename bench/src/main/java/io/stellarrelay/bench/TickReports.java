package io.stellarrelay.bench;

import io.stellarrelay.poller.TickReport;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A poller tick's report as the scenarios print and record it. */
final class TickReports {
    private TickReports() {}

    /** One line: counts, then where the tick's time went. */
    static String describe(TickReport t) {
        return String.format(Locale.ROOT, "%d watched, %d published, %d statement(s), %.1f ms (registry %.1f, query %.1f, encode %.1f, publish %.1f)",
                t.watched(), t.published(), t.statements(), t.total().toNanos() / 1e6, t.registryRead().toNanos() / 1e6,
                t.query().toNanos() / 1e6, t.encode().toNanos() / 1e6, t.publish().toNanos() / 1e6);
    }

    /** The report's form of a tick: counts and phase times in milliseconds. */
    static Map<String, Object> toMap(TickReport t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("watched", t.watched());
        m.put("published", t.published());
        m.put("statements", t.statements());
        m.put("registryReadMs", t.registryRead().toNanos() / 1e6);
        m.put("queryMs", t.query().toNanos() / 1e6);
        m.put("encodeMs", t.encode().toNanos() / 1e6);
        m.put("publishMs", t.publish().toNanos() / 1e6);
        m.put("totalMs", t.total().toNanos() / 1e6);
        return m;
    }
}
