package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.GradientDescent;
import dev.terrain.model.optim.Optimizer;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.Rule;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Paper 004's headline behaviour in reduced form: LSGD (Algorithm 1) ends orders of magnitude below
 * gradient descent after the same number of iterations on sin(2 pi x) (Fig. 2), and solves the
 * constant-speed transport PINN to round-off from a box initialisation (Fig. 12).
 */
class Paper004Test {
    private static double train(NDManager m, String problem, Map<String, Object> params, NetworkSpec spec,
            Function<Objective, TrainingMethod> method, Rule rule, int points, int steps) {
        Objective obj = Fixture.objective(m, problem, params, spec, 1);
        Map<String, SetSampling> sampling = new java.util.HashMap<>();
        for (String set : obj.pointSets().keySet()) {
            // interior sets get `points`, boundary sets 1/16 of them (a 2D grid and its edges)
            sampling.put(set, new SetSampling(rule, set.equals("interior") ? points : Math.max(2, points / 16)));
        }
        Trainer t = new Trainer(obj, method.apply(obj), sampling, false, 7, 201, m);
        for (int i = 0; i < steps; i++) {
            t.train(false);
        }
        return Fixture.loss(t);
    }

    private static Optimizer adam(double lr) {
        return new Adam(new Schedule.Constant(lr), 0.9, 0.999, 1e-8);
    }

    @Test
    void lsgdEndsOrdersOfMagnitudeBelowGradientDescentOnTheSine() {
        try (NDManager m = NDManager.newBaseManager()) {
            NetworkSpec tanh = Fixture.spec("mlp", 0, 0, List.of(16, 16), Activation.TANH, Initializer.GLOROT_NORMAL);
            Map<String, Object> sine = Map.of("target", "sine");
            int steps = 300;
            double lsgd = train(m, "regression", sine, tanh, o -> new Lsgd(o, adam(5e-3)), Rule.GRID, 128, steps);
            double adam = train(m, "regression", sine, tanh,
                    o -> new FirstOrder(adam(5e-4), o.network().parameters()), Rule.GRID, 128, steps);
            double gd = train(m, "regression", sine, tanh,
                    o -> new FirstOrder(new GradientDescent(new Schedule.Constant(5e-4)), o.network().parameters()),
                    Rule.GRID, 128, steps);
            assertThat(lsgd).as("LSGD vs Adam after %d iterations", steps).isLessThan(1e-3 * adam);
            assertThat(lsgd).as("LSGD vs GD").isLessThan(1e-3 * gd);
        }
    }

    @Test
    void lsgdSolvesTheConstantSpeedTransportPinnFromABoxInitialisation() {
        try (NDManager m = NDManager.newBaseManager()) {
            // The example's setting: width 32, one hidden layer, a 32 x 32 interior grid, 64 points per edge.
            NetworkSpec box = Fixture.spec("residual", 32, 1, List.of(), Activation.RELU, Initializer.BOX);
            Map<String, Object> a1 = Map.of("speed", "constant");
            double lsgd = train(m, "transport", a1, box, o -> new Lsgd(o, adam(5e-3)), Rule.GRID, 1024, 400);
            double gd = train(m, "transport", a1, box,
                    o -> new FirstOrder(new GradientDescent(new Schedule.Constant(5e-3)), o.network().parameters()),
                    Rule.GRID, 1024, 300);
            assertThat(lsgd).as("LSGD loss after 400 iterations (paper: 1e-15 in float64)").isLessThan(1e-12);
            assertThat(gd).as("GD from the same initialisation").isGreaterThan(1e-4);
        }
    }
}
