package dev.terrain.ops.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A metrics record is on disk as soon as it is written: a reader tailing a live run sees it, a crash keeps it. */
class RunDirectoryTest {
    @Test
    void metricsRecordsAreVisibleBeforeTheRunEnds(@TempDir Path runs) throws IOException {
        try (RunDirectory dir = RunDirectory.create(runs, "live", "train.steps = 1\n")) {
            dir.metrics(Map.of("step", 0, "total", 1.5));
            List<String> lines = Files.readAllLines(runs.resolve("live").resolve("metrics.jsonl"));
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).contains("\"step\":0").contains("1.5");
            dir.metrics(Map.of("step", 10, "total", 0.5));
            assertThat(Files.readAllLines(runs.resolve("live").resolve("metrics.jsonl"))).hasSize(2);
        }
    }
}
