package dev.terrain.actors;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.terrain.model.nn.Param;
import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.GradientStatisticsSettings;
import dev.terrain.model.probe.HessianSettings;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.probe.RoughnessIndex;
import dev.terrain.model.train.Trainer;
import dev.terrain.streams.ParameterSnapshot;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A probe worker keeps one model copy for its whole life and runs its probe on every snapshot it is
 * handed, so nothing a probe run allocates on the copy's manager may outlive the run: the manager holds
 * the same arrays after 2 and after 7 runs, run as the worker runs them (no scope around the probe).
 */
class ProbesMemoryTest {
    @ParameterizedTest
    @ValueSource(strings = {"roughness", "surface", "hessian", "gradients"})
    void managedArraysDoNotGrowWithProbeRuns(String id) {
        Probe probe = switch (id) {
            case "roughness" -> Probes.roughness(new RoughnessIndex.Settings(8, 6, 0.01, 1, BiasMode.ZERO, Set.of()),
                    BatchedLoss.DEFAULT_MAX_ELEMENTS);
            case "surface" -> Probes.surface(new LossSurface.Settings(5, 5, 1.0, 1, BiasMode.ZERO),
                    BatchedLoss.DEFAULT_MAX_ELEMENTS);
            case "hessian" -> Probes.hessian(HessianSettings.defaults(2));
            default -> Probes.gradients(GradientStatisticsSettings.defaults());
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = TestRuns.poisson(false).build(m);
            for (int i = 0; i < 20; i++) {
                t.train(false);
            }
            double[] theta = t.objective().network().parameters().toFlat();
            ParameterSnapshot snapshot = new ParameterSnapshot("memory", t.step(), "float64",
                    t.objective().network().parameters().list().stream()
                            .map(p -> new ParameterSnapshot.Tensor(p.name(), shape(p))).toList(),
                    theta, Map.of("interior", 1.0), 1.0, "adam");
            int after2 = 0;
            for (int run = 0; run < 7; run++) {
                // As the worker runs it (RoughnessProbe.analyse): no scope around the probe.
                t.objective().network().parameters().load(theta);
                t.skipTo(snapshot.step());
                Map<String, Object> figures = probe.run(t, snapshot);
                assertThat(figures).as("run %d's figures", run).isNotEmpty();
                if (run == 1) {
                    after2 = ((BaseNDManager) m).getManagedArrays().size();
                }
            }
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(after2);
        }
    }

    private static long[] shape(Param p) {
        return p.array().getShape().getShape();
    }
}
