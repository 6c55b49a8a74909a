package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.optim.OptimizerState;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Scalars;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every training method's whole state (Adam moments, L-BFGS history, ISGD's inner and outer optimizers
 * across the K0 switch, LSGD's gradient optimizer and solve count, annealed loss weights) saves and
 * restores: a run resumed from a saved state continues bit for bit as the uninterrupted run.
 */
class MethodResumeTest {
    private static TrainingMethod method(String id, Objective obj) {
        var params = obj.network().parameters();
        Scalars c = obj.scalars();
        Function<Double, Adam> adam = lr -> new Adam(new Schedule.Constant(lr), 0.9, 0.999, 1e-8);
        Lbfgs.Settings lbfgs = new Lbfgs.Settings(1, 5, 7, 1e-12, 1e-14, 4, true);
        return switch (id) {
            case "lbfgs" -> new LbfgsMethod(lbfgs, params);
            case "isgd-adam" -> new Isgd(0.5, 4, 3, adam.apply(1e-2), null, new FirstOrder(adam.apply(1e-3), params),
                    params, c);
            case "isgd-lbfgs" -> new Isgd(0.5, 4, 3, null, new LbfgsMethod(lbfgs, params),
                    new LbfgsMethod(lbfgs, params), params, c);
            case "lsgd" -> new Lsgd(obj, adam.apply(5e-3));
            default -> new FirstOrder(adam.apply(1e-2), params);
        };
    }

    private static Trainer trainer(NDManager m, String id) {
        Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                Fixture.spec("mlp", 0, 0, List.of(6, 6), Activation.TANH, Initializer.GLOROT_NORMAL), 11);
        Trainer t = Fixture.trainer(m, obj, method(id, obj), Rule.MONTE_CARLO, 40);
        if (id.equals("adam")) {
            t.withAnnealing(new WeightAnnealing(2, 0.9, "", true));
        }
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"adam", "lbfgs", "isgd-adam", "isgd-lbfgs", "lsgd"})
    void resumedRunContinuesBitForBit(String id) {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer original = trainer(m, id);
            for (int i = 0; i < 3; i++) {
                original.train(false);
            }
            double[] theta = original.objective().network().parameters().toFlat();
            OptimizerState saved = original.method().state();
            Map<String, Double> weights = original.annealing() == null ? null
                    : original.annealing().state(original.objective());

            Trainer resumed = trainer(m, id);
            resumed.objective().network().parameters().load(theta);
            resumed.method().restore(saved);
            if (weights != null) {
                resumed.annealing().restore(resumed.objective(), weights);
            }
            resumed.skipTo(original.step());
            for (int i = 0; i < 4; i++) {
                original.train(false);
                resumed.train(false);
            }
            assertThat(resumed.objective().network().parameters().toFlat())
                    .containsExactly(original.objective().network().parameters().toFlat());
            assertThat(resumed.method().evaluations()).isEqualTo(original.method().evaluations());
            assertThat(resumed.objective().weights()).isEqualTo(original.objective().weights());
        }
    }

    @org.junit.jupiter.api.Test
    void resumedResamplingRunDrawsAReproducibleFreshStream() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] first = new double[3];
            for (int k = 0; k < 3; k++) {
                Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                        Fixture.spec("mlp", 0, 0, List.of(6), Activation.TANH, Initializer.GLOROT_NORMAL), 11);
                Trainer t = new Trainer(obj, method("adam", obj), Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 30),
                        "boundary", new SetSampling(Rule.MONTE_CARLO, 2)), true, 7, 51, m);
                if (k > 0) {
                    t.skipTo(7);
                }
                first[k] = t.train(true).total();
            }
            assertThat(first[1]).as("a resumed run does not replay the batch of step 0").isNotEqualTo(first[0]);
            assertThat(first[2]).as("the same resume draws the same batch").isEqualTo(first[1]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lbfgs", "isgd-adam", "lsgd"})
    void restoringAnotherMethodsStateFailsNamingBoth(String id) {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, id);
            OptimizerState adamState = trainer(m, "adam").method().state();
            assertThatThrownBy(() -> t.method().restore(adamState)).hasMessageContaining("adam")
                    .hasMessageContaining(t.method().id());
        }
    }
}
