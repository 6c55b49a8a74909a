package dev.terrain.ops.metrics;

import java.io.IOException;
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

/**
 * A scrape over real HTTP, parsed from the Prometheus text format (version 0.0.4) into samples, strictly
 * enough that a malformed line fails the test instead of being skipped.
 */
final class PrometheusText {
    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /** GETs {@code http://127.0.0.1:port/metrics} as Prometheus 2 without OpenMetrics would, and parses it. */
    static PrometheusText scrape(int port) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", "text/plain; version=0.0.4").timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(sample(line));
        }
        return new PrometheusText(out);
    }

    List<Sample> samples() {
        return samples;
    }

    /** The value of the one sample called {@code name} whose labels include {@code labels} (key, value, ...). */
    double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + " " + List.of(labels) + " in " + samples);
        }
        return found.get(0).value();
    }

    Optional<Sample> first(String name, String... labels) {
        return find(name, labels).stream().findFirst();
    }

    List<Sample> find(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labels)) {
                found.add(s);
            }
        }
        return found;
    }

    private static boolean matches(Map<String, String> have, String... want) {
        for (int i = 0; i < want.length; i += 2) {
            if (!want[i + 1].equals(have.get(want[i]))) {
                return false;
            }
        }
        return true;
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name in: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("bad value in: " + line);
        }
        return new Sample(name, labels, number(rest[0]));
    }

    /** Parses {@code key="value",...}} from {@code i}; returns the index after the closing brace. */
    private static int labels(String line, int i, Map<String, String> labels) {
        while (line.charAt(i) != '}') {
            int eq = line.indexOf("=\"", i);
            String key = line.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char e = line.charAt(++j);
                    value.append(e == 'n' ? '\n' : e);
                } else {
                    value.append(c);
                }
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
