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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Crash and resume through the CLI: a run whose newest checkpoint is truncated and whose final files are
 * gone resumes from the previous good checkpoint and ends with exactly the parameters of the
 * uninterrupted run (fixed batch, float64), for a first-order method, for one evaluating its batch in two
 * parts on two threads ({@code train.shards = 2}: the parts' gradients are summed in a fixed order) and
 * for L-BFGS (its history is in the checkpoint).
 */
class ResumeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EXAMPLE = "../examples/poisson1d-dgm.conf";

    private static int run(StringWriter err, String... args) {
        return Main.execute(new PrintWriter(err, true), args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adam", "lbfgs", "adam-shards"})
    void crashedRunResumesFromTheNewestGoodCheckpointBitForBit(String method, @TempDir Path runs) throws IOException {
        StringWriter err = new StringWriter();
        String optimizer = method.replace("-shards", "");
        int steps = optimizer.equals("lbfgs") ? 12 : 200;
        int every = steps / 4;
        assertThat(run(err, "train", EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=r", "-Doptimizer.type=" + optimizer,
                "-Dtrain.shards=" + (method.endsWith("-shards") ? 2 : 1),
                "-Dtrain.steps=" + steps, "-Dcheckpoint.every=" + every, "-Dcheckpoint.keep=3", "-Dtrain.logEvery=" + every,
                "-Dtrain.printEvery=100000")).as(err.toString()).isZero();
        Path dir = runs.resolve("r");
        List<Long> kept = checkpointSteps(dir);
        assertThat(kept).as("the newest 3 are kept").containsExactly((long) every * 2, (long) every * 3, (long) steps);
        JsonNode full = JSON.readTree(dir.resolve("parameters.json").toFile()).get("tensors");

        // The crash: the final files never appeared and the last periodic checkpoint is torn.
        Files.delete(dir.resolve("summary.json"));
        Files.delete(dir.resolve("parameters.json"));
        Files.delete(checkpoint(dir, steps));
        Path torn = checkpoint(dir, every * 3);
        byte[] bytes = Files.readAllBytes(torn);
        Files.write(torn, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThat(run(err, "resume", dir.toString(), "-Dtrain.printEvery=100000")).as(err.toString()).isZero();
        JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(summary.get("resumed_from_step").asLong()).isEqualTo(every * 2L);
        assertThat(summary.get("skipped_checkpoints").get(0).asText()).contains("truncated");
        assertThat(summary.get("steps").asLong()).isEqualTo(steps);
        assertThat(JSON.readTree(dir.resolve("parameters.json").toFile()).get("tensors")).isEqualTo(full);
    }

    @Test
    void unusableCheckpointsAndForbiddenOverridesAreUserErrors(@TempDir Path runs) throws IOException {
        StringWriter err = new StringWriter();
        assertThat(run(err, "train", EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=r", "-Dtrain.steps=20",
                "-Dcheckpoint.every=10", "-Dtrain.printEvery=100000")).isZero();
        Path dir = runs.resolve("r");
        StringWriter e1 = new StringWriter();
        assertThat(run(e1, "resume", dir.toString(), "-Doptimizer.lr=0.5")).isEqualTo(2);
        assertThat(e1.toString()).startsWith("error: ").contains("resume cannot change 'optimizer.lr'");
        StringWriter e2 = new StringWriter();
        assertThat(run(e2, "resume", dir.toString())).isEqualTo(2);
        assertThat(e2.toString()).contains("at step 20 already").contains("-Dtrain.steps=40");
        for (Path c : checkpointFiles(dir)) {
            byte[] b = Files.readAllBytes(c);
            b[b.length - 3] ^= 0x5a; // flip bits inside the JSON body
            Files.write(c, b);
        }
        StringWriter e3 = new StringWriter();
        assertThat(run(e3, "resume", dir.toString(), "-Dtrain.steps=40")).isEqualTo(2);
        assertThat(e3.toString()).contains("no usable checkpoint").contains("checksum");
        assertThat(e3.toString().lines().count()).isEqualTo(1);
        StringWriter e4 = new StringWriter();
        assertThat(run(e4, "resume", runs.resolve("nope").toString())).isEqualTo(2);
        assertThat(e4.toString()).contains("is not a run directory");
    }

    private static Path checkpoint(Path dir, long step) {
        return dir.resolve("checkpoints").resolve(String.format("step-%012d.ckpt", step));
    }

    private static List<Path> checkpointFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("checkpoints"))) {
            return s.filter(p -> p.toString().endsWith(".ckpt")).sorted().toList();
        }
    }

    private static List<Long> checkpointSteps(Path dir) throws IOException {
        return checkpointFiles(dir).stream()
                .map(p -> Long.parseLong(p.getFileName().toString().replaceAll("\\D", ""))).toList();
    }
}
