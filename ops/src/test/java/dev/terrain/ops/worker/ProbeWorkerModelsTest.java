package dev.terrain.ops.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.PipelineSettings.ProbeSpec;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.ops.config.UserError;
import dev.terrain.streams.ParameterSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A worker's models and probes without Kafka: models are built from a run's configuration text with the
 * worker's overrides, cached per run and freed when evicted or replaced; a probe that throws becomes a
 * landscape record with an error and leaves the model usable.
 */
class ProbeWorkerModelsTest {
    private static final Map<String, String> OVERRIDES = Map.of("probes.roughness.enabled", "true",
            "probes.roughness.every", "100", "probes.roughness.directions", "10", "probes.roughness.intervals", "10");

    private static String config() throws IOException {
        return Files.readString(Path.of("../examples/poisson1d-dgm.conf"));
    }

    @Test
    void modelsAreCachedPerRunAndFreedWhenEvictedOrReplaced() throws IOException {
        try (RunModels models = new RunModels(1, OVERRIDES)) {
            RunModels.RunModel first = models.model("r1", config());
            assertThat(models.model("r1", config())).isSameAs(first);
            assertThat(first.probes()).extracting(ProbeSpec::name, ProbeSpec::every)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("roughness", 100L));

            RunModels.RunModel second = models.model("r2", config());
            assertThat(first.manager().isOpen()).as("r1 evicted by r2 (capacity 1)").isFalse();
            assertThat(models.size()).isEqualTo(1);

            RunModels.RunModel changed = models.model("r2", config() + "\ntrain.steps = 77\n");
            assertThat(changed).isNotSameAs(second);
            assertThat(second.manager().isOpen()).as("r2's old model, replaced by its new configuration").isFalse();
            assertThat(changed.settings().train().steps()).isEqualTo(77);
        }
    }

    @Test
    void aWorkerOverrideThatBreaksTheRunIsAUserErrorNamingTheRun() {
        try (RunModels models = new RunModels(2, Map.of("probes.roughness.every", "150"))) {
            assertThatThrownBy(() -> models.model("r1", config())).isInstanceOf(UserError.class)
                    .hasMessageContaining("probes.roughness.every = 150");
        }
    }

    @Test
    void aProbeThatThrowsGivesAnErrorRecordAndTheModelStaysUsable() throws IOException {
        try (RunModels models = new RunModels(1, OVERRIDES)) {
            RunModels.RunModel m = models.model("r", config());
            double initialLoss = m.trainer().evaluate().total();
            ParameterSnapshot s = snapshot("r", 300, m.trainer().objective().network().parameters());
            ProbeSpec boom = new ProbeSpec("boom", 100, (model, snap) -> {
                throw new IllegalStateException("no landscape today");
            });
            LandscapeRecord failed = SnapshotProber.probe(boom, m.trainer(), s);
            assertThat(failed.error()).isEqualTo("IllegalStateException: no landscape today");
            assertThat(failed.figures()).isEmpty();
            assertThat(failed.lagSteps()).isEqualTo(-1);

            LandscapeRecord ok = SnapshotProber.probe(m.probes().get(0), m.trainer(), s);
            assertThat(ok.error()).isNull();
            assertThat(ok.step()).isEqualTo(300);
            assertThat(ok.figures().get("directions")).isEqualTo(10);
            // The probe measured the snapshot's parameters, not the model's initial ones.
            assertThat(m.trainer().objective().network().parameters().toFlat()).containsExactly(s.values());
            assertThat((Double) ok.figures().get("loss")).as(ok.figures().toString())
                    .isCloseTo(m.trainer().evaluate().total(), org.assertj.core.data.Percentage.withPercentage(1e-6))
                    .isNotCloseTo(initialLoss, org.assertj.core.data.Percentage.withPercentage(1));
        }
    }

    /** The model's parameters halved, as a snapshot the trainer could publish. */
    private static ParameterSnapshot snapshot(String run, long step, Parameters params) {
        List<ParameterSnapshot.Tensor> tensors = params.list().stream()
                .map((Param p) -> new ParameterSnapshot.Tensor(p.name(), p.array().getShape().getShape())).toList();
        double[] values = params.toFlat();
        for (int i = 0; i < values.length; i++) {
            values[i] *= 0.5;
        }
        return new ParameterSnapshot(run, step, "float64", tensors, values, Map.of(), Double.NaN, "adam");
    }
}
