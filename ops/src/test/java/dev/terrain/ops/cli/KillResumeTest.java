package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.RunDirs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The crash test of the actor pipeline: {@code terrain train} on the 1D Poisson DGM example in float64
 * with a fixed seed runs in its own JVM (with the Roughness-Index probe on), is killed with SIGKILL
 * mid-run, and {@code terrain resume} continues it from its newest checkpoint. Its final parameters equal
 * those of the uninterrupted run bit for bit: with the fixed Simpson batch, and with a batch resampled
 * every step (each step's batch is a pure function of the seed and the step).
 */
class KillResumeTest {
    private static final int STEPS = 600;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void killedRunResumesToTheUninterruptedParameters(boolean resample, @TempDir Path runs) throws Exception {
        List<String> settings = List.of("-Dtrain.steps=" + STEPS, "-Dcheckpoint.every=50", "-Dtrain.logEvery=50",
                "-Dtrain.printEvery=100000", "-Dpipeline.snapshotEvery=100", "-Dprobes.roughness.every=200",
                "-Dprobes.roughness.directions=10", "-Dprobes.roughness.intervals=20",
                "-Dsampling.resample=" + resample, "-Dsampling.sets.interior.rule=" + (resample ? "monte-carlo" : "simpson"));
        StringWriter err = new StringWriter();
        List<String> reference = new ArrayList<>(List.of("train", ResumeTest.EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=whole"));
        reference.addAll(settings);
        assertThat(Main.execute(new PrintWriter(err, true), reference.toArray(String[]::new))).as(err.toString()).isZero();

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main",
                "train", ResumeTest.EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=killed"));
        command.addAll(settings);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(runs.resolve("killed.log").toFile()).start();
        Path dir = runs.resolve("killed");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (RunDirs.checkpoints(dir) < 2 && System.nanoTime() < deadline && !p.waitFor(20, TimeUnit.MILLISECONDS)) {
            continue;
        }
        assertThat(p.isAlive()).as("the run must still be going when it is killed; log: %s",
                Files.readString(runs.resolve("killed.log"))).isTrue();
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no final files
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve("parameters.json")).doesNotExist();
        assertThat(dir.resolve("summary.json")).doesNotExist();

        assertThat(Main.execute(new PrintWriter(err, true), "resume", dir.toString(), "-Dtrain.printEvery=100000"))
                .as(err.toString()).isZero();
        JsonNode summary = ResumeTest.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(summary.get("resumed_from_step").asLong()).isBetween(100L, STEPS - 1L);
        assertThat(summary.get("steps").asLong()).isEqualTo(STEPS);
        assertThat(ResumeTest.JSON.readTree(dir.resolve("parameters.json").toFile()).get("tensors"))
                .isEqualTo(ResumeTest.JSON.readTree(runs.resolve("whole").resolve("parameters.json").toFile()).get("tensors"));
        // Metrics continue where the killed process left them: steps re-trained after the checkpoint are not
        // logged twice, and the file ends at the final step.
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            steps.add(ResumeTest.JSON.readTree(line).get("step").asLong());
        }
        assertThat(steps).doesNotHaveDuplicates().isSorted().startsWith(0L, 50L).endsWith((long) STEPS);
        assertThat(dir.resolve("landscape.jsonl")).exists();
    }

}
