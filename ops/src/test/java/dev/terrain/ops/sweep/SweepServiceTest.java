package dev.terrain.ops.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.cli.Main;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.Json;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.serve.Service;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep of 2 widths x 2 seeds against a real {@code ./terrain serve} in-process on loopback: first sent
 * to a closed port (nothing submitted), then the same command with the service's URL submits all four and
 * waits; a point marked unsent again is resubmitted as "exists already" without a second run; the report
 * averages each width over its two seeds, from the service and, once it is gone, from the run directories.
 */
class SweepServiceTest {
    @TempDir
    Path tmp;
    private Service service;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    private record Result(int code, String err) {}

    private Result terrain(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), args);
        return new Result(code, err.toString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void twoWidthsByTwoSeedsTrainOnceEachAndReportAsTwoRowsOfTwo() throws Exception {
        Path runs = tmp.resolve("runs");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("run.dir", runs.toString());
        o.put("serve.port", "0");
        o.put("kafka.enabled", "false");
        o.put("prometheus.enabled", "false");
        service = Service.start(ServeSettings.load(null, o), ProgressSink.NONE);

        Path base = tmp.resolve("poisson1d.conf");
        Files.writeString(base, SweepCommandTest.BASE);
        Path sweeps = tmp.resolve("sweeps");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of("sweep", base.toString(), "-Dnetwork.width=2,3", "-Dnetwork.seed=1,2",
                "-Dtrain.steps=100", "--id", "w", "--dir", sweeps.toString(), "--url"));

        Result down = terrain(with(cmd, "http://127.0.0.1:" + closed));
        assertThat(down.code()).isNotZero();
        assertThat(down.err()).contains("http://127.0.0.1:" + closed);
        assertThat(Manifest.read(sweeps, "w").submittedCount()).isZero();

        Result up = terrain(with(cmd, service.url(), "--wait"));
        assertThat(up.code()).as(up.err()).isZero();
        Manifest m = Manifest.read(sweeps, "w");
        assertThat(m.url()).isEqualTo(service.url());
        assertThat(m.points()).allSatisfy(e -> assertThat(e.submission().httpStatus()).isEqualTo(201));
        List<String> ids = m.points().stream().map(Manifest.Entry::runId).toList();
        assertThat(ids).containsExactly("w-width2-seed1", "w-width2-seed2", "w-width3-seed1", "w-width3-seed2");

        // A point the manifest lost track of is sent again: the service answers 409 and it counts as submitted.
        m.withSubmission(2, null).write(sweeps);
        Result again = terrain("sweep", "--resume", "w", "--dir", sweeps.toString());
        assertThat(again.code()).as(again.err()).isZero();
        Manifest.Submission resent = Manifest.read(sweeps, "w").points().get(2).submission();
        assertThat(resent.submitted()).isTrue();
        assertThat(resent.httpStatus()).isEqualTo(409);

        JsonNode listed = get("/runs").path("runs");
        assertThat(listed.findValuesAsText("id")).containsExactlyElementsOf(ids);
        assertThat(listed.findValuesAsText("state")).containsOnly("completed");
        for (String id : ids) {
            assertThat(get("/runs/" + id).path("step").asLong()).isEqualTo(100);
        }

        Result report = terrain("sweep", "--report", "w", "--dir", sweeps.toString());
        assertThat(report.code()).as(report.err()).isZero();
        assertReport(sweeps.resolve("w"), runs);

        // The service gone, the run directories still hold the summaries.
        service.close();
        service = null;
        Files.delete(sweeps.resolve("w/report.md"));
        Result offline = terrain("sweep", "--report", "w", "--dir", sweeps.toString(), "--runs", runs.toString());
        assertThat(offline.code()).as(offline.err()).isZero();
        assertReport(sweeps.resolve("w"), runs);
        Result noRuns = terrain("sweep", "--report", "w", "--dir", sweeps.toString());
        assertThat(noRuns.code()).isEqualTo(2);
        assertThat(noRuns.err()).contains("cannot reach the training service at " + m.url()).contains("--runs");
    }

    private static String[] with(List<String> cmd, String... more) {
        List<String> all = new ArrayList<>(cmd);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static void assertReport(Path out, Path runs) throws Exception {
        List<String> rows = Files.readAllLines(out.resolve("report.md")).stream()
                .filter(l -> l.matches("\\| [23] \\| .*")).toList();
        assertThat(rows).hasSize(2);
        assertThat(rows).allSatisfy(r -> assertThat(r.split(" \\| ")[1]).isEqualTo("2"));
        for (String png : List.of("rel-l2.png", "total-loss.png")) {
            assertThat(Files.readAllBytes(out.resolve(png))).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        }
        JsonNode groups = Json.MAPPER.readTree(out.resolve("results.json").toFile()).path("groups");
        assertThat(groups).hasSize(2);
        for (JsonNode g : groups) {
            String width = g.path("key").path("network.width").asText();
            double a = relL2(runs, "w-width" + width + "-seed1");
            double b = relL2(runs, "w-width" + width + "-seed2");
            assertThat(g.path("n").asInt()).isEqualTo(2);
            assertThat(g.path("rel_l2").path("mean").asDouble()).isCloseTo((a + b) / 2, within(1e-12 * (a + b)));
            // the sample std of two values is |a - b| / sqrt(2)
            assertThat(g.path("rel_l2").path("std").asDouble()).isCloseTo(Math.abs(a - b) / Math.sqrt(2),
                    within(1e-9 * (a + b)));
            assertThat(g.path("states").path("completed").asInt()).isEqualTo(2);
        }
    }

    private static double relL2(Path runs, String id) throws Exception {
        JsonNode s = Json.MAPPER.readTree(runs.resolve(id).resolve("summary.json").toFile());
        assertThat(s.path("status").asText()).isEqualTo("completed");
        return s.path("rel_l2").asDouble();
    }
}
