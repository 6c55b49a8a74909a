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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a training JVM: it finishes the step, writes a checkpoint and an "interrupted" summary and
 * exits; `resume` then continues from that step.
 */
class InterruptTest {
    @Test
    void sigtermCheckpointsAndTheRunResumes(@TempDir Path runs) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", classpath, "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main", "train", ResumeTest.EXAMPLE,
                "-Drun.dir=" + runs, "-Drun.id=s", "-Dtrain.steps=100000000", "-Dtrain.logEvery=50",
                "-Dcheckpoint.every=0", "-Dtrain.printEvery=100000000"))
                .redirectErrorStream(true).redirectOutput(runs.resolve("out.log").toFile()).start();
        Path metrics = runs.resolve("s").resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        // Poll the live metrics file; waitFor returns at once should the process die.
        while (lines(metrics) < 3 && System.nanoTime() < deadline && !p.waitFor(100, TimeUnit.MILLISECONDS)) {
            continue;
        }
        assertThat(lines(metrics)).as(Files.exists(runs.resolve("out.log")) ? Files.readString(runs.resolve("out.log")) : "")
                .isGreaterThanOrEqualTo(3);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        Path dir = runs.resolve("s");
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("interrupted");
        long stoppedAt = summary.get("steps").asLong();
        assertThat(stoppedAt).isGreaterThanOrEqualTo(100);
        assertThat(dir.resolve("checkpoints").resolve(String.format("step-%012d.ckpt", stoppedAt))).exists();

        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "resume", dir.toString(), "-Dtrain.steps=" + (stoppedAt + 20),
                "-Dtrain.printEvery=100000000");
        assertThat(code).as(err.toString()).isZero();
        JsonNode resumed = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(resumed.get("status").asText()).isEqualTo("completed");
        assertThat(resumed.get("resumed_from_step").asLong()).isEqualTo(stoppedAt);
        assertThat(resumed.get("steps").asLong()).isEqualTo(stoppedAt + 20);
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }
}
