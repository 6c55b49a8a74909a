package dev.terrain.ops.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.terrain.ops.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code terrain sweep} before a service trains anything: every point is validated before any is sent
 * (a listening HTTP server counts what arrives), and an unreachable service leaves a manifest that says
 * which points were not submitted.
 */
class SweepCommandTest {
    static final String BASE = """
            problem { id = poisson, loss = dgm, dim = 1, hardBoundary = true }
            network { type = resnet, width = 4, depth = 1, activation = swish, seed = 1 }
            sampling { resample = false, sets { interior { rule = simpson, points = 50 } } }
            train { steps = 100, dtype = float64, logEvery = 50, printEvery = 100000 }
            probes { roughness { enabled = false } }
            """;

    @TempDir
    Path tmp;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void listen() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "{\"error\": \"not a service\"}".getBytes();
            ex.sendResponseHeaders(500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void close() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private record Result(int code, String err) {}

    private Result sweep(String... args) throws Exception {
        Path base = tmp.resolve("base.conf");
        Files.writeString(base, BASE);
        List<String> all = new ArrayList<>(List.of("sweep", base.toString(), "--dir", tmp.resolve("sweeps").toString()));
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(code, err.toString());
    }

    @Test
    void aBadValueInAnyPointFailsTheWholeSweepBeforeAnythingIsSentOrWritten() throws Exception {
        // The first point (width 3) is valid; the third (width 0) is not.
        Result r = sweep("-Dnetwork.width=3,0", "-Dnetwork.seed=1,2", "--url", url(), "--id", "bad");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("sweep point 2 (network.width=0, network.seed=1)")
                .contains("network.width must be at least 1, got 0").contains("nothing was submitted");
        assertThat(requests.get()).isZero();
        assertThat(tmp.resolve("sweeps/bad")).doesNotExist();
    }

    @Test
    void anUnknownKeyIsNamedAndNothingIsSent() throws Exception {
        Result r = sweep("-Dnetwork.widht=2,3", "--url", url(), "--id", "typo");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown setting 'network.widht'").contains("network.width");
        Result empty = sweep("-Dnetwork.width=2,,3", "--url", url(), "--id", "empty");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.err()).contains("-Dnetwork.width=2,,3 has an empty value");
        assertThat(requests.get()).isZero();
    }

    @Test
    void aDryRunValidatesAndSendsAndWritesNothing() throws Exception {
        Result r = sweep("-Dnetwork.width=2,3", "--url", url(), "--id", "dry", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(requests.get()).isZero();
        assertThat(tmp.resolve("sweeps/dry")).doesNotExist();
    }

    @Test
    void anUnreachableServiceIsNamedAndTheManifestListsEveryPointAsNotSubmitted() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + closed;
        Result r = sweep("-Dnetwork.width=2,3", "-Dnetwork.seed=1,2", "--url", dead, "--id", "down");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("cannot reach the training service at " + dead)
                .contains("4 of 4 runs not submitted").contains("--resume down");
        Manifest m = Manifest.read(tmp.resolve("sweeps"), "down");
        assertThat(m.url()).isEqualTo(dead);
        assertThat(m.points()).hasSize(4);
        assertThat(m.points()).allSatisfy(e -> {
            assertThat(e.submitted()).isFalse();
            assertThat(e.submission()).isNotNull();
        });
        assertThat(m.points().get(0).submission().message()).contains(dead);
        assertThat(m.points()).extracting(Manifest.Entry::runId).containsExactly("down-width2-seed1", "down-width2-seed2",
                "down-width3-seed1", "down-width3-seed2");
    }

    @Test
    void aRefusalStopsTheSweepWithTheServicesAnswer() throws Exception {
        Result r = sweep("-Dnetwork.width=2,3", "--url", url(), "--id", "refused");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("refused run refused-width2 (HTTP 500): not a service")
                .contains("2 of 2 runs not submitted");
        assertThat(requests.get()).as("the second point is not sent after the first was refused").isEqualTo(1);
        Manifest m = Manifest.read(tmp.resolve("sweeps"), "refused");
        assertThat(m.points().get(0).submission().httpStatus()).isEqualTo(500);
    }
}
