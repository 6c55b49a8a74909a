package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.ProgressSink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./terrain serve} in-process against a real HTTP client on loopback: the queue's order and
 * concurrency, cancel, summaries and reports, and refusals of bad requests.
 */
class ServeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);
    /** A small float64 1D Poisson DGM run (the paper-000 example) with checkpoints and the RI probe. */
    static final String RUN = """
            problem { id = poisson, loss = dgm, dim = 1, hardBoundary = true }
            network { type = resnet, width = 4, depth = 1, activation = swish, seed = 1 }
            sampling { resample = false, sets { interior { rule = simpson, points = 200 } } }
            optimizer { type = adam, lr = 1.0e-2 }
            train { steps = 400, dtype = float64, logEvery = 50, printEvery = 100000 }
            checkpoint { every = 100 }
            pipeline { snapshotEvery = 100 }
            probes { roughness { every = 200, directions = 10, intervals = 10 } }
            """;

    @TempDir
    Path runs;
    private Service service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private Service start(Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("run.dir", runs.toString());
        o.put("serve.port", "0");
        o.put("kafka.enabled", "false");
        o.put("prometheus.enabled", "false");
        o.putAll(extra);
        service = Service.start(ServeSettings.load(null, o), ProgressSink.NONE);
        return service;
    }

    @Test
    void threeRunsWithConcurrencyOneRunInOrderTheQueuedOneCancelsAndTheFinishedHaveSummariesAndReports()
            throws Exception {
        start(Map.of("serve.concurrency", "1"));
        String a = submit(RUN + "run.id = a\n");
        String b = submit(RUN + "run.id = b\n");
        String c = submit(RUN + "run.id = c\n");
        assertThat(List.of(a, b, c)).containsExactly("a", "b", "c");
        // One at a time: c cannot have started yet while a (and then b) train.
        assertThat(get("/runs/c").path("state").asText()).isEqualTo("queued");
        Reply cancel = send("POST", "/runs/c/cancel", null, null);
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().path("state").asText()).isEqualTo("cancelled");

        JsonNode ra = awaitState("a", s -> !s.equals("queued") && !s.equals("running"));
        JsonNode rb = awaitState("b", s -> !s.equals("queued") && !s.equals("running"));
        assertThat(ra.path("state").asText()).isEqualTo("completed");
        assertThat(rb.path("state").asText()).isEqualTo("completed");
        assertThat(Instant.parse(rb.path("started_at").asText()))
                .as("b starts after a ended (concurrency 1)").isAfterOrEqualTo(Instant.parse(ra.path("ended_at").asText()));
        assertThat(ra.path("step").asLong()).isEqualTo(400);
        assertThat(ra.path("terms").path("pde").asDouble()).isPositive();
        assertThat(ra.path("probes").path("roughness").path("ri").isNumber()).as("RI in %s", ra).isTrue();

        JsonNode rc = get("/runs/c");
        assertThat(rc.path("state").asText()).isEqualTo("cancelled");
        assertThat(rc.path("started_at").isNull()).isTrue();
        assertThat(runs.resolve("c")).doesNotExist();
        assertThat(get("/runs").path("runs").findValuesAsText("id")).containsExactly("a", "b", "c");

        for (String id : List.of("a", "b")) {
            Reply summary = send("GET", "/runs/" + id + "/summary", null, null);
            assertThat(summary.status()).isEqualTo(200);
            JsonNode s = summary.json();
            assertThat(s.path("status").asText()).isEqualTo("completed");
            assertThat(s.path("steps").asLong()).isEqualTo(400);
            assertThat(s.path("run_id").asText()).isEqualTo(id);
            Reply report = send("GET", "/runs/" + id + "/report", null, null);
            assertThat(report.status()).isEqualTo(200);
            assertThat(report.contentType()).startsWith("text/html");
            List<String> images = imageSources(report.body());
            assertThat(images).as("images of the report of %s", id).isNotEmpty();
            for (String src : images) {
                HttpResponse<byte[]> png = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/runs/" + id + "/"
                        + src)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(png.statusCode()).as(src).isEqualTo(200);
                assertThat(png.headers().firstValue("content-type").orElse("")).isEqualTo("image/png");
                assertThat(png.body()).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
            }
        }
        Reply again = send("POST", "/runs/a/cancel", null, null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).contains("completed");
        assertThat(send("GET", "/runs/c/summary", null, null).status()).isEqualTo(404);
    }

    @Test
    void twoHundredMalformedRequestsGetTwoHundred4xxJsonErrorsAndTheServiceStillServes() throws Exception {
        start(Map.of("serve.maxBodyBytes", "64 KiB"));
        String done = submit(RUN.replace("steps = 400", "steps = 50") + "run.id = done\n");
        awaitState(done, s -> s.equals("completed"));

        Random random = new Random(7);
        List<String> failures = new ArrayList<>();
        int answered = 0;
        for (int i = 0; i < 200; i++) {
            Reply r = malformed(i % 20, random);
            answered++;
            boolean ok = r.status() >= 400 && r.status() < 500 && r.contentType().startsWith("application/json")
                    && !r.json().path("error").asText().isBlank();
            if (!ok) {
                failures.add("case " + (i % 20) + ": " + r.status() + " " + r.contentType() + " " + r.body());
            }
        }
        assertThat(answered).isEqualTo(200);
        assertThat(failures).isEmpty();
        Reply health = send("GET", "/health", null, null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("ok");
        // Nothing of the refused requests was queued.
        assertThat(get("/runs").path("runs").findValuesAsText("id")).containsExactly("done");
    }

    @Test
    void aRunningRunHasAReportOnDemandAndCancellingItCheckpointsAndStopsIt() throws Exception {
        start(Map.of());
        String id = submit(RUN.replace("steps = 400", "steps = 1000000") + "run.id = long\n");
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        JsonNode status = get("/runs/long");
        while (status.path("step").asLong() < 300 || !Files.isDirectory(runs.resolve("long/checkpoints"))) {
            assertThat(System.nanoTime()).as("step 300 within %s; last %s", RUN_TIMEOUT, status).isLessThan(deadline);
            Thread.sleep(100);
            status = get("/runs/long");
        }
        assertThat(status.path("state").asText()).isEqualTo("running");
        assertThat(status.path("terms").path("pde").isNumber()).isTrue();

        Reply report = send("GET", "/runs/long/report", null, null);
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.body()).contains("unfinished");
        assertThat(imageSources(report.body())).contains("report/loss.png");
        assertThat(send("GET", "/runs/long/summary", null, null).status()).isEqualTo(404);

        Reply cancel = send("POST", "/runs/" + id + "/cancel", null, null);
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().path("cancelling").asBoolean()).isTrue();
        JsonNode done = awaitState(id, s -> !s.equals("running"));
        assertThat(done.path("state").asText()).isEqualTo("cancelled");
        JsonNode summary = send("GET", "/runs/long/summary", null, null).json();
        assertThat(summary.path("status").asText()).isEqualTo("interrupted");
        long stopped = summary.path("steps").asLong();
        assertThat(stopped).isBetween(300L, 999_999L);
        // It stopped with a checkpoint at the step it reached, so it could be resumed from there.
        assertThat(dev.terrain.ops.RunDirs.checkpoints(runs.resolve("long"))).isPositive();
        assertThat(runs.resolve("long/checkpoints").resolve(String.format(java.util.Locale.ROOT, "step-%012d.ckpt", stopped))).exists();
        assertThat(send("POST", "/runs/long/cancel", null, null).status()).isEqualTo(409);
    }

    @Test
    void aFinishedRunsSeriesStayOnTheMetricsEndpointForTheRetentionThenGo() throws Exception {
        start(Map.of("prometheus.enabled", "true", "prometheus.port", "0", "serve.metricsRetention", "3s"));
        String metrics = get("/health").path("outputs").path("prometheus").asText();
        assertThat(metrics).startsWith("http://127.0.0.1:");
        String id = submit(RUN.replace("steps = 400", "steps = 100") + "run.id = kept\n");
        awaitState(id, s -> s.equals("completed"));
        long ended = System.nanoTime();
        String series = "run=\"kept\"";
        assertThat(scrape(metrics)).as("series of the finished run, for the last scrapes").contains(series);
        long deadline = ended + Duration.ofSeconds(30).toNanos();
        while (scrape(metrics).contains(series)) {
            assertThat(System.nanoTime()).as("series dropped within 30 s of a 3 s retention").isLessThan(deadline);
            Thread.sleep(200);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - ended)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    private String scrape(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One malformed request of kind {@code kind}. */
    private Reply malformed(int kind, Random random) throws Exception {
        byte[] noise = new byte[1 + random.nextInt(2000)];
        random.nextBytes(noise);
        String text = new String(noise, StandardCharsets.ISO_8859_1);
        return switch (kind) {
            case 0 -> send("POST", "/runs", "application/json", noise);
            case 1 -> send("POST", "/runs", "application/hocon", noise);
            case 2 -> send("POST", "/runs", "text/plain", ("{" + text).getBytes(StandardCharsets.UTF_8));
            case 3 -> send("POST", "/runs", "application/octet-stream", RUN.getBytes(StandardCharsets.UTF_8));
            case 4 -> send("POST", "/runs", "image/png", noise);
            case 5 -> send("POST", "/runs", "application/json", new byte[100_000 + random.nextInt(100_000)]);
            case 6 -> send("POST", "/runs", "application/hocon", (RUN + "\n" + "x".repeat(70_000)).getBytes(StandardCharsets.UTF_8));
            case 7 -> send("POST", "/runs", "application/hocon", (RUN + "train.stepz = 5\n").getBytes(StandardCharsets.UTF_8));
            case 8 -> send("POST", "/runs", "application/hocon", (RUN + "train.steps = -" + random.nextInt(100) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            case 9 -> send("POST", "/runs", "application/json", "{\"problem\": {\"id\": \"nope\"}}".getBytes(StandardCharsets.UTF_8));
            case 10 -> send("POST", "/runs", "application/hocon", "include file(\"/etc/passwd\")".getBytes(StandardCharsets.UTF_8));
            case 11 -> send("POST", "/runs", "application/hocon", "problem.id = ${HOME}".getBytes(StandardCharsets.UTF_8));
            case 12 -> send("POST", "/runs", "application/hocon", ("a = " + "[".repeat(20_000)).getBytes(StandardCharsets.UTF_8));
            case 13 -> send("POST", "/runs", "application/json", new byte[0]);
            case 14 -> send("GET", "/runs/no-such-run-" + random.nextInt(1000), null, null);
            case 15 -> send("POST", "/runs/no-such-run/cancel", null, null);
            case 16 -> send("POST", "/runs/done/cancel", null, null);
            case 17 -> send(random.nextBoolean() ? "DELETE" : "PUT", random.nextBoolean() ? "/runs" : "/health",
                    "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            case 18 -> send("GET", "/runs/done/report/" + (random.nextBoolean() ? "..%2F..%2Fsummary.json" : "nope.png"),
                    null, null);
            default -> send("POST", "/runs", "application/hocon", (RUN + "run.id = \"../escape\"\n").getBytes(StandardCharsets.UTF_8));
        };
    }

    // ---- helpers shared with the crash test ----

    record Reply(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Reply send(String method, String path, String contentType, byte[] body) throws Exception {
        return send(http, service.url(), method, path, contentType, body);
    }

    static Reply send(HttpClient http, String base, String method, String path, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    }

    String submit(String hocon) throws Exception {
        return submit(http, service.url(), hocon);
    }

    static String submit(HttpClient http, String base, String hocon) throws Exception {
        Reply r = send(http, base, "POST", "/runs", "application/hocon", hocon.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    JsonNode get(String path) throws Exception {
        Reply r = send("GET", path, null, null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    JsonNode awaitState(String id, Predicate<String> state) throws Exception {
        return awaitState(http, service.url(), id, state);
    }

    static JsonNode awaitState(HttpClient http, String base, String id, Predicate<String> state) throws Exception {
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Reply r = send(http, base, "GET", "/runs/" + id, null, null);
            last = r.status() == 200 ? r.json() : null;
            if (last != null && state.test(last.path("state").asText())) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not reach the expected state in " + RUN_TIMEOUT + "; last: " + last);
    }

    static List<String> imageSources(String html) {
        List<String> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<img[^>]*\\ssrc=\"([^\"]+)\"").matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    static String read(Path f) throws IOException {
        return Files.readString(f);
    }
}
