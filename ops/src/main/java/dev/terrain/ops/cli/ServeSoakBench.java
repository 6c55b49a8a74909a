package dev.terrain.ops.cli;

import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.serve.Service;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code terrain bench serve}: a soak of the training service. An in-process {@code serve} (its HTTP API on
 * a free loopback port, Kafka off, Prometheus on) trains short runs back to back, submitted over HTTP,
 * for {@code minutes}; the process's memory ({@link MemorySample}: RSS, its anonymous and file-backed parts,
 * heap, threads) is sampled every {@code sampleSeconds}. The
 * series, the runs finished, and the RSS spread after the warm-up (the first fifth of the samples) go to
 * the JSON: a flat service stays within ±10 % of the post-warm-up median.
 */
final class ServeSoakBench {
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    private ServeSoakBench() {}

    static Map<String, Object> run(Path example, double minutes, int sampleSeconds, long steps) throws IOException {
        Path root = Files.createTempDirectory("terrain-soak");
        Map<String, String> o = Map.of("run.dir", root.toString(), "serve.port", "0", "kafka.enabled", "false",
                "prometheus.port", "0");
        String run = Files.readString(example) + "\ntrain { steps = " + steps + ", printEvery = 1000000 }\n"
                + "checkpoint.every = " + Math.max(1, steps / 2) + "\n";
        List<Map<String, Object>> samples = new ArrayList<>();
        int finished = 0;
        long t0 = System.nanoTime();
        HttpClient http = HttpClient.newHttpClient();
        try (Service service = Service.start(ServeSettings.load(null, o), ProgressSink.NONE)) {
            long end = t0 + (long) (minutes * 60e9);
            long nextSample = t0;
            String current = null;
            while (System.nanoTime() < end) {
                if (current == null || done(http, service.url(), current)) {
                    if (current != null) {
                        finished++;
                    }
                    current = submit(http, service.url(), run);
                }
                if (System.nanoTime() >= nextSample) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("minute", (System.nanoTime() - t0) / 60e9);
                    s.putAll(MemorySample.take());
                    s.put("runs_finished", finished);
                    samples.add(s);
                    System.out.printf(Locale.ROOT, "%6.1f min  RSS %7.1f MiB (anon %.1f, heap committed %.1f)  %d runs%n",
                            s.get("minute"), s.get("rss_mib"), s.get("rss_anon_mib"), s.get("heap_committed_mib"), finished);
                    nextSample += TimeUnit.SECONDS.toNanos(sampleSeconds);
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("case", "serve-soak");
        c.put("example", example.getFileName().toString());
        c.put("steps_per_run", steps);
        c.put("minutes", minutes);
        c.put("runs_finished", finished);
        rssSpread(samples, c);
        c.put("samples", samples);
        c.put("run_dir", root.toString());
        return c;
    }

    private static String submit(HttpClient http, String base, String run) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/runs"))
                .header("Content-Type", "application/hocon")
                .POST(HttpRequest.BodyPublishers.ofString(run, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = ID.matcher(r.body());
        if (r.statusCode() != 201 || !m.find()) {
            throw new IllegalStateException("the service refused the soak run: " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
    }

    private static boolean done(HttpClient http, String base, String id) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/runs/" + id)).timeout(Duration.ofSeconds(30))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        return !body.contains("\"state\":\"queued\"") && !body.contains("\"state\":\"running\"");
    }

    /**
     * Puts the median RSS after the warm-up (the first fifth of {@code samples}) and the spread of the rest
     * around it into {@code c}, and prints them.
     */
    static void rssSpread(List<Map<String, Object>> samples, Map<String, Object> c) {
        List<Double> after = new ArrayList<>();
        for (int i = samples.size() / 5; i < samples.size(); i++) {
            after.add((Double) samples.get(i).get("rss_mib"));
        }
        if (after.isEmpty()) {
            return;
        }
        double median = PipelineBench.median(after);
        double min = after.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = after.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        c.put("rss_median_after_warmup_mib", median);
        c.put("rss_spread_after_warmup", Map.of("min_ratio", min / median, "max_ratio", max / median));
        System.out.printf(Locale.ROOT, "after warm-up: RSS median %.1f MiB, %.3f .. %.3f of it%n", median, min / median,
                max / median);
    }
}
