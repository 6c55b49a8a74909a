package dev.terrain.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a real Prometheus server (Debian package {@code prometheus}): it scrapes the
 * {@link MetricsServer} every second and its query API must return the run's series with the right value.
 * Without the binary the test is reported as skipped (an assumption), never as passed.
 */
class PrometheusServerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @Test
    void prometheusScrapesTheRunsSeries(@TempDir Path dir) throws Exception {
        Path binary = prometheusBinary();
        PrometheusRegistry registry = new PrometheusRegistry();
        TerrainMetrics metrics = TerrainMetrics.of(registry);
        RunFeed.feed(metrics.listener("e2e"), "e2e");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
            Server prometheus = Server.start(binary, dir, server.port());
            try {
                JsonNode series = prometheus.await("terrain_train_steps_total{run=\"e2e\"}");
                assertThat(series.at("/metric/job").asText()).isEqualTo("terrain");
                assertThat(series.at("/value/1").asText()).isEqualTo(String.valueOf(RunFeed.LAST_STEP));
                JsonNode ri = prometheus.await("terrain_roughness_index{run=\"e2e\"}");
                assertThat(Double.parseDouble(ri.at("/value/1").asText())).isEqualTo(RunFeed.LAST_RI);
            } finally {
                stop(prometheus.process());
            }
        }
    }

    @Test
    void prometheusScrapesARunningTraining(@TempDir Path dir) throws Exception {
        Path binary = prometheusBinary();
        int metricsPort = freePort();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process terrain = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classpath, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main", "train",
                "../examples/poisson1d-dgm.conf", "-Drun.dir=" + dir.resolve("runs"), "-Drun.id=live",
                "-Dtrain.steps=100000000", "-Dtrain.logEvery=50", "-Dtrain.printEvery=100000000",
                "-Dprometheus.port=" + metricsPort, "-Dkafka.enabled=false")
                .redirectErrorStream(true).redirectOutput(dir.resolve("terrain.log").toFile()).start();
        Server prometheus = Server.start(binary, dir, metricsPort);
        try {
            JsonNode loss = prometheus.await("terrain_train_loss{run=\"live\",term=\"total\"}");
            assertThat(terrain.isAlive()).as("training is still running").isTrue();
            double value = Double.parseDouble(loss.at("/value/1").asText());
            assertThat(value).isPositive().isLessThan(1e6);
            // The counter's series exists from step 0, and the loss can be scraped before the first steps are
            // counted (seen on a loaded machine): wait for a scrape that has counted 50.
            JsonNode steps = prometheus.await("terrain_train_steps_total{run=\"live\"} >= 50");
            assertThat(Double.parseDouble(steps.at("/value/1").asText())).isGreaterThanOrEqualTo(50);
        } finally {
            stop(prometheus.process());
            stop(terrain);
        }
        assertThat(Files.readString(dir.resolve("runs/live/summary.json"))).contains("\"interrupted\"");
    }

    private static Path prometheusBinary() {
        Path binary = Binaries.onPath("prometheus");
        Assumptions.assumeTrue(binary != null, "the prometheus binary is not on PATH: install the Debian package "
                + "'prometheus' (apt-get install -y prometheus; CI's .ci/run does) to run this end-to-end test");
        return binary;
    }

    /** A real Prometheus server scraping 127.0.0.1:{@code target} every second, its data and log in {@code dir}. */
    private record Server(Process process, Path log, int port) {
        static Server start(Path binary, Path dir, int target) throws IOException {
            int webPort = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: terrain
                        scrape_interval: 1s
                        scrape_timeout: 1s
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(target));
            Path log = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + webPort)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Server(p, log, webPort);
        }

        JsonNode await(String query) throws Exception {
            return PrometheusServerTest.await(process, log, port, query);
        }
    }

    /** Polls the query API until {@code query} returns a series; the wait is on the process, which may exit. */
    private static JsonNode await(Process prometheus, Path log, int port, String query) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET()
                        .build(), HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                JsonNode result = new ObjectMapper().readTree(r.body()).at("/data/result");
                if (r.statusCode() == 200 && result.size() > 0) {
                    return result.get(0);
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            if (prometheus.waitFor(250, TimeUnit.MILLISECONDS)) {
                fail("prometheus exited with " + prometheus.exitValue() + ":\n" + Files.readString(log));
            }
        }
        return fail("no series for " + query + " within " + DEADLINE + "; last answer: " + last + "\nlog:\n"
                + Files.readString(log));
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
