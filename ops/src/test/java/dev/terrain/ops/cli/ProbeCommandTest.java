package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `terrain probe` on a run that `terrain train` wrote: results on disk, bad input rejected with exit code 2. */
class ProbeCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path runs;
    static Path run;

    @BeforeAll
    static void train() {
        int code = Main.execute(new PrintWriter(new StringWriter(), true), "train", "../examples/poisson1d-dgm.conf",
                "-Dtrain.steps=400", "-Dtrain.saveEvery=200", "-Drun.dir=" + runs, "-Drun.id=r",
                "-Dtrain.printEvery=100000");
        assertThat(code).isZero();
        run = runs.resolve("r");
    }

    static int probe(StringWriter err, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "probe";
        all[1] = run.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Main.execute(new PrintWriter(err, true), all);
    }

    @Test
    void everyProbeWritesItsResult() throws IOException {
        StringWriter err = new StringWriter();
        assertThat(probe(err, "--ri", "M=10,m=20,l=0.01,seed=3", "--hessian", "k=3", "--grads")).as(err.toString()).isZero();
        JsonNode ri = JSON.readTree(run.resolve("probes/ri-400.json").toFile());
        assertThat(ri.path("result").path("directions").asInt()).isEqualTo(10);
        assertThat(ri.path("result").path("t")).hasSize(10);
        double t0 = ri.path("result").path("t").get(0).asDouble();
        assertThat(t0).isBetween(0.5 / 0.01 * 0.5, 1 / 0.01 * 1.5);
        assertThat(ri.path("rel_l2").asDouble()).isPositive();
        JsonNode h = JSON.readTree(run.resolve("probes/hessian-400.json").toFile());
        assertThat(h.path("eigenvalues")).hasSize(3);
        assertThat(h.path("eigenvalues").get(0).asDouble()).isGreaterThanOrEqualTo(h.path("eigenvalues").get(1).asDouble());
        JsonNode g = JSON.readTree(run.resolve("probes/grads-400.json").toFile());
        assertThat(g.path("result").path("terms").get(0).path("name").asText()).isEqualTo("pde");
    }

    @Test
    void theSurfaceIsWrittenAsDataAndContourPng() throws IOException {
        StringWriter err = new StringWriter();
        assertThat(probe(err, "--surface", "9x7,span=0.5,seed=2")).as(err.toString()).isZero();
        JsonNode data = JSON.readTree(run.resolve("probes/surface-400.json").toFile());
        assertThat(data.toString()).contains("0.5");
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(run.resolve("probes/surface-400.png").toFile());
        assertThat(png.getWidth()).isPositive();
        assertThat(probe(new StringWriter(), "--surface", "9by7")).isEqualTo(2);
        assertThat(probe(new StringWriter(), "--surface", "1x7")).isEqualTo(2);
    }

    @Test
    void aSavedStepCanBeProbed() throws IOException {
        StringWriter err = new StringWriter();
        assertThat(probe(err, "--step", "200", "--ri", "M=5,m=10")).as(err.toString()).isZero();
        assertThat(JSON.readTree(run.resolve("probes/ri-200.json").toFile()).path("step").asLong()).isEqualTo(200);
        Path snapshot = run.resolve("parameters/step-000000200.json");
        assertThat(Main.execute(new PrintWriter(err, true), "probe", snapshot.toString(), "--grads")).as(err.toString()).isZero();
        assertThat(run.resolve("probes/grads-200.json")).exists();
    }

    @Test
    void anotherLossFamilyCanBeProbedAtTheSameParameters() throws IOException {
        StringWriter err = new StringWriter();
        assertThat(probe(err, "--loss", "drm", "--ri", "M=5,m=10")).as(err.toString()).isZero();
        JsonNode ri = JSON.readTree(run.resolve("probes/ri-400-drm.json").toFile());
        assertThat(ri.path("loss_family").asText()).isEqualTo("energy");
        // The Ritz functional at a reasonable solution is near its minimum -pi^2/4.
        assertThat(ri.path("result").path("lossAtTheta").asDouble()).isBetween(-2.6, -2.2);
        assertThat(probe(new StringWriter(), "--loss", "ritzz", "--ri")).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--ri|M=1|M = 1",
        "--ri|l=-1|l = -1.0",
        "--ri|q=3|unknown key 'q'",
        "--ri|bias=keep|'keep'",
        "--hessian|k=0|k must be at least 1",
        "--step|7|no parameters at"})
    void badInputIsRejected(String option, String value, String message) {
        StringWriter err = new StringWriter();
        String[] args = option.equals("--step") ? new String[] {option, value, "--ri"} : new String[] {option, value};
        assertThat(probe(err, args)).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: ").contains(message);
    }

    @Test
    void parametersThatDoNotFitTheNetworkAreNamed(@TempDir Path copy) throws IOException {
        Files.copy(run.resolve("config.conf"), copy.resolve("config.conf"));
        String params = Files.readString(run.resolve("parameters.json"));
        Files.writeString(copy.resolve("parameters.json"), params.replaceFirst("\"input.W\"", "\"input.X\""));
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "probe", copy.toString(), "--ri");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("'input.X'").contains("'input.W'");
    }
}
