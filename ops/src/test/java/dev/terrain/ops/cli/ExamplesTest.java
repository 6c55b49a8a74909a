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
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example trains end to end through the CLI (with a short step override) and its loss decreases. */
class ExamplesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Examples whose steps are expensive (a wide network, or many evaluations per step) run fewer steps. */
    static final Map<String, Integer> SHORT = Map.of("poisson1d-multiscale-isgd.conf", 12, "poisson1d-lbfgs.conf", 60,
            "resnet64-box.conf", 60);

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
        int steps = SHORT.getOrDefault(example.getFileName().toString(), 300);
        int code = Main.execute(new PrintWriter(err, true), "train", example.toString(), "-Dtrain.steps=" + steps,
                "-Dtrain.logEvery=" + steps / 6, "-Drun.dir=" + runs, "-Drun.id=test", "-Dtrain.printEvery=100000");
        assertThat(code).as(err.toString()).isZero();
        Path dir = runs.resolve("test");
        List<JsonNode> metrics = Files.readAllLines(dir.resolve("metrics.jsonl")).stream().map(ExamplesTest::parse).toList();
        assertThat(metrics).hasSize(7);
        assertThat(metrics.get(0).get("step").asLong()).isZero();
        assertThat(metrics.get(6).get("step").asLong()).isEqualTo(steps);
        double first = metrics.get(0).get("total").asDouble();
        double last = metrics.get(6).get("total").asDouble();
        // Annealing changes the weights along the run, so the totals are compared at the final weights.
        boolean annealing = Files.readString(example).contains("loss.annealing { enabled = true");
        JsonNode finalWeights = metrics.get(6).get("weights");
        assertThat(annealing ? weighted(metrics.get(6), finalWeights) : last).as("loss of %s", example)
                .isLessThan(annealing ? weighted(metrics.get(0), finalWeights) : first);
        JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(summary.get("steps").asLong()).isEqualTo(steps);
        assertThat(summary.get("evaluations").asLong()).isGreaterThanOrEqualTo(steps);
        assertThat(metrics.get(6).has("weights")).as("annealed weights are logged").isEqualTo(annealing);
        assertThat(summary.get("total").asDouble()).isEqualTo(last);
        assertThat(Files.readString(dir.resolve("config.conf"))).contains("steps=" + steps);
        JsonNode params = JSON.readTree(dir.resolve("parameters.json").toFile());
        assertThat(params.get("count").asLong()).isEqualTo(summary.get("parameters").asLong());
    }

    /** sum_t lambda_t J_t of a metrics record's unweighted terms. */
    private static double weighted(JsonNode record, JsonNode weights) {
        double sum = 0;
        var names = record.get("terms").fieldNames();
        while (names.hasNext()) {
            String t = names.next();
            sum += weights.get(t).asDouble() * record.get("terms").get(t).asDouble();
        }
        return sum;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
