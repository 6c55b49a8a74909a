package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench profile}'s reduction of a Chrome trace to self time per operator (a hand-made trace with
 * nesting on two threads, numbers worked out by hand), and one real profile of the training step.
 */
class ProfileBenchTest {
    @TempDir
    Path dir;

    @Test
    void selfTimeIsDurationMinusDirectChildren() throws Exception {
        // Thread 1: step [0, 100) contains mm [10, 40) (which contains copy_ [20, 25)) and mul [50, 60).
        // Thread 2: mul [0, 30). A metadata event ("M") and an instant ("i") are ignored.
        String trace = """
                [
                {"name": "step", "ph": "X", "ts": 0, "dur": 100, "tid": 1, "pid": "CPU", "args": {"a": [1, 2]}},
                {"name": "mm", "ph": "X", "ts": 10, "dur": 30, "tid": 1, "pid": "CPU", "shape": [[1000, 50], [50, 50]]},
                {"name": "copy_", "ph": "X", "ts": 20, "dur": 5, "tid": 1, "pid": "CPU"},
                {"name": "mul", "ph": "X", "ts": 50, "dur": 10, "tid": 1, "pid": "CPU"},
                {"name": "mul", "ph": "X", "ts": 0, "dur": 30, "tid": 2, "pid": "CPU"},
                {"name": "process_name", "ph": "M", "ts": 0, "tid": 1, "pid": "CPU"},
                {"name": "flow", "ph": "i", "ts": 5, "tid": 1, "pid": "CPU"}
                ]
                """;
        Path file = dir.resolve("t.json");
        Files.writeString(file, trace);
        List<Map<String, Object>> ops = ProfileBench.selfTimes(file, 2);
        Map<String, Map<String, Object>> byName = ops.stream().collect(Collectors.toMap(m -> (String) m.get("name"), m -> m));
        assertThat(byName).containsOnlyKeys("step", "mm", "copy_", "mul");
        assertThat((Double) byName.get("step").get("self_us_per_step")).isCloseTo((100 - 30 - 10) / 2.0, within(1e-9));
        assertThat((Double) byName.get("mm").get("self_us_per_step")).isCloseTo((30 - 5) / 2.0, within(1e-9));
        assertThat((Double) byName.get("copy_").get("self_us_per_step")).isCloseTo(5 / 2.0, within(1e-9));
        assertThat((Double) byName.get("mul").get("self_us_per_step")).isCloseTo((10 + 30) / 2.0, within(1e-9));
        assertThat((Double) byName.get("mul").get("calls_per_step")).isCloseTo(1.0, within(1e-9));
        // Sorted by self time, shares of the 130 us of self time in all.
        assertThat(ops.get(0).get("name")).isEqualTo("step");
        assertThat((Double) byName.get("mul").get("share_percent")).isCloseTo(100 * 40 / 130.0, within(1e-9));
    }

    @Test
    void profilesTheTrainingStep() throws Exception {
        Path trace = dir.resolve("step.trace.json");
        Map<String, Object> result = ProfileBench.run(new java.io.File("../bench/pytorch-baseline.conf"), CompareBench.Case.parse("20x3x200:float32"), 20, 5, 1, trace);
        assertThat(trace).isNotEmptyFile();
        assertThat((Double) result.get("unprofiled_steps_per_s")).isPositive();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ops = (List<Map<String, Object>>) result.get("operators");
        Map<String, Double> calls = ops.stream().collect(Collectors.toMap(m -> (String) m.get("name"),
                m -> (Double) m.get("calls_per_step")));
        // Three hidden layers per step, whose taped pass forms tanh from one sigmoid each; the evaluation
        // after the 20 steps (loss and rel-L2, at most two passes of three layers) calls tanh itself.
        assertThat(calls).containsKey("aten::sigmoid");
        assertThat(calls.get("aten::sigmoid")).isCloseTo(3.0, within(1e-9));
        assertThat(calls.getOrDefault("aten::tanh", 0.0)).isBetween(0.0, 6 / 20.0 + 1e-9);
        assertThat(calls).containsKey("aten::mm");
        double shares = ops.stream().mapToDouble(m -> (Double) m.get("share_percent")).sum();
        assertThat(shares).isBetween(50.0, 100.0 + 1e-9);
    }
}
