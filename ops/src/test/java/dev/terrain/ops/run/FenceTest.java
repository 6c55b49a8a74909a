package dev.terrain.ops.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.terrain.ops.RunDirs;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose fence stops holding (a service group gave it to another instance) writes nothing more to its
 * directory: no checkpoint after that point, not even the stop's own, no summary and no report.
 */
class FenceTest {
    private static final String RUN = """
            problem { id = poisson, loss = dgm, dim = 1, hardBoundary = true }
            network { type = resnet, width = 4, depth = 1, activation = swish, seed = 1 }
            sampling { resample = false, sets { interior { rule = simpson, points = 200 } } }
            optimizer { type = adam, lr = 1.0e-2 }
            train { steps = 2000, dtype = float64, logEvery = 50, printEvery = 100000 }
            checkpoint { every = 100 }
            probes { roughness { enabled = false } }
            kafka.enabled = false
            prometheus.enabled = false
            run.id = fenced
            """;

    @TempDir
    Path dir;

    @Test
    void aRunWhoseFenceFailsWritesNoCheckpointSummaryOrReportAfterIt() throws Exception {
        RunSettings settings = SettingsLoader.loadText(RUN, Map.of("run.dir", "\"" + dir + "\""), "FenceTest", "fenced");
        AtomicBoolean owns = new AtomicBoolean(true);
        AtomicReference<TrainingRun> self = new AtomicReference<>();
        TrainingRun run = new TrainingRun(settings, ProgressSink.NONE).withFence(owns::get).withStepHook(step -> {
            if (step == 250) {
                // Another instance claims the run here; the service's watchdog then stops it.
                owns.set(false);
                self.get().stop();
            }
        });
        self.set(run);
        Path out = run.run(Device.cpu());
        assertThat(run.fenced()).isTrue();
        assertThat(out.resolve("summary.json")).as("no summary from a fenced run").doesNotExist();
        assertThat(out.resolve("report.html")).doesNotExist();
        assertThat(out.resolve("parameters.json")).doesNotExist();
        assertThat(RunDirs.checkpoints(out)).as("the checkpoints of steps 100 and 200 only").isEqualTo(2);
        try (Stream<Path> files = Files.list(out.resolve("checkpoints"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("250") || n.contains("300"));
        }
        assertThat(RunDirs.lastStep(out)).as("training stopped near the fence").isLessThan(400);
    }
}
