package io.stellarrelay.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one scenario from runs against several targets, side by side, with the ratio of the
 * first target (normally the relay) to each of the others: a ratio from runs in the same invocation
 * carries over between machines and loads where the absolute figures do not.
 */
final class Comparison {
    /** A figure of a scenario's results: where it is ({@code path} of keys), its unit and which way is better. */
    record Figure(String label, List<String> path, double scale, boolean lowerIsBetter) {
        Double read(Map<String, Object> results) {
            Object node = results;
            for (String key : path) {
                if (!(node instanceof Map<?, ?> map)) {
                    return null;
                }
                node = map.get(key);
            }
            return node instanceof Number n ? n.doubleValue() * scale : null;
        }
    }

    /** One row: the figure's value per target (null: not measured) and first / other per other target. */
    record Row(Figure figure, List<Double> values, List<Double> ratios) {}

    private static final Map<String, List<Figure>> FIGURES = Map.of(
            "fanout", List.of(
                    lower("latency p50, ms", "latency", "p50Ms"),
                    lower("latency p99, ms", "latency", "p99Ms"),
                    lower("latency p99.9, ms", "latency", "p99.9Ms"),
                    lower("worst one-second-window p99, ms", "windowP99", "worstP99Ms"),
                    lower("one-second windows with p99 > 25 ms", "windowP99", "windowsOverThreshold"),
                    higher("frames published/s (the load each target got)", "publishedFramesPerSecond"),
                    higher("deliveries/s", "deliveredPerSecond"),
                    lower("relay CPU, % of one core", "relayCpuPercentOfOneCore"),
                    higher("deliveries per relay CPU-second", "deliveriesPerRelayCpuSecond"),
                    lower("loss, %", "lossPercent")),
            "connections", List.of(
                    new Figure("RSS growth per socket, KiB", List.of("rssBytesPerConnection"), 1 / 1024.0, true),
                    lower("relay CPU per connect+auth+subscribe, ms", "relayCpuMsPerConnection"),
                    higher("connections/s", "connectionsPerSecond"),
                    lower("connect+auth+subscribe p99, ms", "total", "p99Ms"),
                    higher("clients ready", "ready")),
            "storm", List.of(
                    lower("all back after, s", "allBackSeconds"),
                    lower("back p99, ms", "backFromDrop", "p99Ms"),
                    lower("relay CPU during the storm, s", "relayCpuSeconds"),
                    higher("clients back", "back")));

    private final String scenario;
    private final List<Target> targets;
    private final List<Row> rows;

    private Comparison(String scenario, List<Target> targets, List<Row> rows) {
        this.scenario = scenario;
        this.targets = targets;
        this.rows = rows;
    }

    static boolean supports(String scenario) {
        return FIGURES.containsKey(scenario);
    }

    static List<String> scenarios() {
        return FIGURES.keySet().stream().sorted().toList();
    }

    /** @param results each target's {@code results} map, in the order of the targets */
    static Comparison of(String scenario, Map<Target, Map<String, Object>> results) {
        List<Figure> figures = FIGURES.get(scenario);
        if (figures == null) {
            throw new IllegalArgumentException("compare has no figures for '" + scenario + "'; it compares " + scenarios());
        }
        List<Target> targets = List.copyOf(results.keySet());
        List<Row> rows = new ArrayList<>();
        for (Figure f : figures) {
            List<Double> values = targets.stream().map(t -> f.read(results.get(t))).toList();
            List<Double> ratios = new ArrayList<>();
            for (int i = 1; i < values.size(); i++) {
                ratios.add(ratio(values.get(0), values.get(i)));
            }
            rows.add(new Row(f, values, ratios));
        }
        return new Comparison(scenario, targets, rows);
    }

    /** first / other; null when either is missing or the divisor is zero. */
    static Double ratio(Double first, Double other) {
        if (first == null || other == null || other == 0) {
            return null;
        }
        return first / other;
    }

    List<Row> rows() {
        return rows;
    }

    /** A markdown table: figure, each target's value, first/other for each other target. */
    String markdownTable() {
        StringBuilder sb = new StringBuilder("| figure |");
        targets.forEach(t -> sb.append(' ').append(t.wire()).append(" |"));
        for (int i = 1; i < targets.size(); i++) {
            sb.append(' ').append(targets.get(0).wire()).append(" / ").append(targets.get(i).wire()).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(2 * targets.size() - 1));
        sb.append('\n');
        for (Row r : rows) {
            sb.append("| ").append(r.figure().label()).append(r.figure().lowerIsBetter() ? " (lower is better)" : " (higher is better)").append(" |");
            r.values().forEach(v -> sb.append(' ').append(number(v)).append(" |"));
            r.ratios().forEach(v -> sb.append(' ').append(v == null ? "-" : number(v) + "x").append(" |"));
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * One line per other target: on how many figures the first is at least as good, and the figure
     * where it is furthest behind (ratio turned so that above 1 means worse).
     */
    List<String> summary() {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i < targets.size(); i++) {
            int compared = 0;
            int asGood = 0;
            Row worst = null;
            double worstFactor = 0;
            for (Row r : rows) {
                Double ratio = r.ratios().get(i - 1);
                if (ratio == null || ratio == 0) {
                    continue;
                }
                compared++;
                double factor = r.figure().lowerIsBetter() ? ratio : 1 / ratio;
                if (factor <= 1) {
                    asGood++;
                } else if (factor > worstFactor) {
                    worstFactor = factor;
                    worst = r;
                }
            }
            lines.add(String.format(Locale.ROOT, "%s vs %s: as good or better on %d of %d figures%s", targets.get(0).wire(),
                    targets.get(i).wire(), asGood, compared,
                    worst == null ? "" : String.format(Locale.ROOT, "; furthest behind on %s (%s x worse)", worst.figure().label(),
                            number(worstFactor))));
        }
        return lines;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("targets", targets.stream().map(Target::wire).toList());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("figure", r.figure().label());
            row.put("lowerIsBetter", r.figure().lowerIsBetter());
            Map<String, Object> values = new LinkedHashMap<>();
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (int i = 0; i < targets.size(); i++) {
                values.put(targets.get(i).wire(), r.values().get(i));
                if (i > 0) {
                    ratios.put(targets.get(0).wire() + "/" + targets.get(i).wire(), r.ratios().get(i - 1));
                }
            }
            row.put("values", values);
            row.put("ratios", ratios);
            list.add(row);
        }
        m.put("rows", list);
        m.put("summary", summary());
        return m;
    }

    /** Three significant digits at most, no exponent: 0.0123, 1.23, 45.6, 12345. */
    static String number(Double v) {
        if (v == null) {
            return "-";
        }
        double a = Math.abs(v);
        String s;
        if (a >= 100 || v == Math.rint(v)) {
            s = String.format(Locale.ROOT, "%.0f", v);
        } else if (a >= 10) {
            s = String.format(Locale.ROOT, "%.1f", v);
        } else if (a >= 1) {
            s = String.format(Locale.ROOT, "%.2f", v);
        } else {
            s = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
        }
        return s;
    }

    private static Figure lower(String label, String... path) {
        return new Figure(label, List.of(path), 1, true);
    }

    private static Figure higher(String label, String... path) {
        return new Figure(label, List.of(path), 1, false);
    }
}
