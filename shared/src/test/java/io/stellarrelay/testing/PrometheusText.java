package io.stellarrelay.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The samples of one Prometheus text exposition, parsed, so that tests compare numbers of named series
 * instead of searching the text for whole lines.
 */
public final class PrometheusText {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One sample line: {@code name{label="value",...} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /** {@code GET http://127.0.0.1:<port>/metrics}; fails unless it answers 200 in the text format. */
    public static PrometheusText scrape(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (response.statusCode() != 200 || !type.startsWith("text/plain; version=0.0.4")) {
                throw new AssertionError("GET /metrics answered " + response.statusCode() + " " + type);
            }
            return parse(response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(parseLine(line));
            }
        }
        return new PrometheusText(samples);
    }

    private static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // past ="
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j++);
                    if (c == '\\') {
                        char escaped = line.charAt(j++);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        return new Sample(name, Map.copyOf(labels), parseValue(rest[0]));
    }

    private static double parseValue(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        };
    }

    /** Every sample name (with the {@code _total}, {@code _count}, ... suffixes as exposed). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (Sample s : samples) {
            names.add(s.name());
        }
        return names;
    }

    /** Every sample whose name starts with {@code prefix}, for failure messages. */
    public List<Sample> samples(String prefix) {
        return samples.stream().filter(s -> s.name().startsWith(prefix)).toList();
    }

    /** The sample with this name whose labels include {@code labelPairs} (name, value, name, value ...). */
    public Optional<Sample> find(String name, String... labelPairs) {
        for (Sample s : samples) {
            if (s.name().equals(name) && hasLabels(s, labelPairs)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The value of that sample; fails when it is not exposed. */
    public double value(String name, String... labelPairs) {
        return find(name, labelPairs).orElseThrow(() -> new AssertionError(
                "no sample " + name + " " + List.of(labelPairs) + " among " + names())).value();
    }

    private static boolean hasLabels(Sample s, String[] labelPairs) {
        for (int k = 0; k + 1 < labelPairs.length; k += 2) {
            if (!labelPairs[k + 1].equals(s.labels().get(labelPairs[k]))) {
                return false;
            }
        }
        return true;
    }
}
