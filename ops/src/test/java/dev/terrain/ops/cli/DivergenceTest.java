package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN/Inf loss ends the run with a clear one-line error, exit code 3, a diverged summary and its event. */
class DivergenceTest {
    @Test
    void aDivergingRunExitsNonZeroWithADivergedSummary(@TempDir Path runs) throws Exception {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", ResumeTest.EXAMPLE, "-Drun.dir=" + runs,
                "-Drun.id=nan", "-Doptimizer.type=gd", "-Doptimizer.lr=1e6", "-Doptimizer.schedule.type=constant",
                "-Dtrain.steps=5000", "-Dtrain.logEvery=10", "-Dcheckpoint.every=10", "-Dtrain.printEvery=100000");

        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).startsWith("error: run nan diverged: loss became").contains("lower optimizer.lr")
                .doesNotContain("Exception").hasLineCount(1);
        Path dir = runs.resolve("nan");
        JsonNode summary = ResumeTest.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("diverged");
        assertThat(summary.get("steps").asLong()).isLessThan(5000);
        assertThat(Files.readString(dir.resolve("events.jsonl"))).contains("\"type\":\"diverged\"");
        assertThat(dir.resolve("parameters.json")).doesNotExist();
    }
}
