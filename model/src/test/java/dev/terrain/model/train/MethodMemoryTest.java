package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.Rule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing a step of any training method allocates outlives the step: L-BFGS's line-search evaluations,
 * ISGD's anchors and inner iterations, LSGD's stacked heads and least-squares writes, and annealing's
 * per-term backward passes and weight scalars leave the run manager with the same arrays after 10 and
 * after 60 steps.
 */
class MethodMemoryTest {
    @ParameterizedTest
    @ValueSource(strings = {"lbfgs", "isgd", "lsgd", "annealing"})
    void managedArraysDoNotGrowWithSteps(String id) {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, "helmholtz2d", Map.of(),
                    Fixture.spec("mlp", 0, 0, List.of(8, 8), Activation.TANH, Initializer.GLOROT_NORMAL), 2);
            var params = obj.network().parameters();
            Adam adam = new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8);
            TrainingMethod method = switch (id) {
                case "lbfgs" -> new LbfgsMethod(new Lbfgs.Settings(1, 4, 6, 1e-12, 1e-14, 5, true), params);
                case "isgd" -> new Isgd(0.5, 1000, 3, adam, null,
                        new FirstOrder(new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8), params), params,
                        obj.scalars());
                case "lsgd" -> new Lsgd(obj, adam);
                default -> new FirstOrder(adam, params);
            };
            Trainer t = Fixture.trainer(m, obj, method, Rule.MONTE_CARLO, 64);
            if (id.equals("annealing")) {
                t.withAnnealing(new WeightAnnealing(3, 0.9, "", true));
            }
            for (int i = 0; i < 10; i++) {
                t.train(i % 4 == 0);
            }
            t.evaluate();
            int after10 = ((BaseNDManager) m).getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                t.train(i % 4 == 0);
            }
            t.evaluate();
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(after10);
        }
    }
}
