package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newest metrics record of a run training elsewhere, read from the end of a long metrics.jsonl. */
class RunFilesViewTest {
    @TempDir
    Path dir;

    @Test
    void theNewestCompleteRecordOfALongFileWithATornLastLine() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int step = 1; step <= 5000; step++) {
            b.append("{\"step\":").append(step).append(",\"terms\":{\"residual\":").append(1.0 / step)
                    .append("},\"total\":").append(1.0 / step).append("}\n");
        }
        b.append("{\"step\":5001,\"terms\":{\"resid"); // being written
        Files.writeString(dir.resolve("metrics.jsonl"), b);
        assertThat(Files.size(dir.resolve("metrics.jsonl"))).as("longer than the window read").isGreaterThan(64 * 1024);
        JsonNode last = RunFilesView.latestMetrics(dir);
        assertThat(last.path("step").asLong()).isEqualTo(5000);
        assertThat(last.path("total").asDouble()).isEqualTo(1.0 / 5000);
    }

    @Test
    void noFileOrNoCompleteRecordGivesNull() throws Exception {
        assertThat(RunFilesView.latestMetrics(dir)).isNull();
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":1,\"ter");
        assertThat(RunFilesView.latestMetrics(dir)).isNull();
    }
}
