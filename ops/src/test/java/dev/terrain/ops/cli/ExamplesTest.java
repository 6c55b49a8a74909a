package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example trains end to end through the CLI (with a short step override) and its loss decreases. */
class ExamplesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("../examples")).filter(p -> p.toString().endsWith(".conf")).sorted();
    }

    @Test
    void theIssueListsNineExamples() throws IOException {
        assertThat(examples().map(p -> p.getFileName().toString()).toList()).contains("poisson1d-dgm.conf",
                "poisson1d-drm.conf", "poisson3d-ball.conf", "poisson10d.conf", "wave1d.conf", "helmholtz2d.conf",
                "perturbed-ode.conf", "poisson1d-multiscale.conf", "energy1d-fourier.conf");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void trainsAndTheLossDecreases(Path example, @TempDir Path runs) throws IOException {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", example.toString(), "-Dtrain.steps=300",
                "-Dtrain.logEvery=50", "-Drun.dir=" + runs, "-Drun.id=test", "-Dtrain.printEvery=100000");
        assertThat(code).as(err.toString()).isZero();
        Path dir = runs.resolve("test");
        List<JsonNode> metrics = Files.readAllLines(dir.resolve("metrics.jsonl")).stream().map(ExamplesTest::parse).toList();
        assertThat(metrics).hasSize(7);
        assertThat(metrics.get(0).get("step").asLong()).isZero();
        assertThat(metrics.get(6).get("step").asLong()).isEqualTo(300);
        double first = metrics.get(0).get("total").asDouble();
        double last = metrics.get(6).get("total").asDouble();
        assertThat(last).as("loss of %s", example).isLessThan(first);
        JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(summary.get("steps").asLong()).isEqualTo(300);
        assertThat(summary.get("total").asDouble()).isEqualTo(last);
        assertThat(Files.readString(dir.resolve("config.conf"))).contains("steps=300");
        JsonNode params = JSON.readTree(dir.resolve("parameters.json").toFile());
        assertThat(params.get("count").asLong()).isEqualTo(summary.get("parameters").asLong());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
