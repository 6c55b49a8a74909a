package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Param;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Paper 001's weight annealing against per-term gradients taken by separate backward passes. */
class WeightAnnealingTest {
    @Test
    void weightsFollowTheGradientRatioMovingAverage() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, "helmholtz2d", Map.of(),
                    Fixture.spec("mlp", 0, 0, List.of(10, 10), Activation.TANH, Initializer.GLOROT_NORMAL), 5);
            Trainer t = Fixture.trainer(m, obj, new FirstOrder(new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8),
                    obj.network().parameters()), Rule.MONTE_CARLO, 100);
            Map<String, PointSet> batch = t.probeBatch();
            double[] pde = gradient(obj, batch, "pde");
            double[] boundary = gradient(obj, batch, "boundary");
            double max = 0;
            for (double v : pde) {
                max = Math.max(max, Math.abs(v));
            }
            double mean = 0;
            for (double v : boundary) {
                mean += Math.abs(v) / boundary.length;
            }
            double hat = max / mean;
            double alpha = 0.9;
            WeightAnnealing a = new WeightAnnealing(10, alpha, "", false).checkedAgainst(obj);
            a.update(obj, batch);
            assertThat(obj.weights().get("pde")).isEqualTo(1.0);
            assertThat(obj.weights().get("boundary")).isCloseTo((1 - alpha) * 1.0 + alpha * hat, within(1e-9 * hat));
            assertThat(hat).as("Helmholtz's residual gradients dwarf the boundary's (paper 001)").isGreaterThan(10);
            double first = obj.weights().get("boundary");
            a.update(obj, batch);
            assertThat(obj.weights().get("boundary")).isCloseTo((1 - alpha) * first + alpha * hat, within(1e-9 * hat));
            assertThat(a.due(0)).isTrue();
            assertThat(a.due(5)).isFalse();
            assertThat(a.due(20)).isTrue();
            // The reference code's form divides by the current weight: lambda settles at sqrt(ratio).
            obj.setWeight("boundary", 1.0);
            WeightAnnealing weighted = new WeightAnnealing(10, alpha, "", true);
            weighted.update(obj, batch);
            double w1 = obj.weights().get("boundary");
            assertThat(w1).isCloseTo((1 - alpha) + alpha * hat, within(1e-9 * hat));
            weighted.update(obj, batch);
            assertThat(obj.weights().get("boundary")).isCloseTo((1 - alpha) * w1 + alpha * hat / w1, within(1e-9 * hat));
            for (int i = 0; i < 60; i++) {
                weighted.update(obj, batch);
            }
            assertThat(obj.weights().get("boundary")).isCloseTo(Math.sqrt(hat), within(1e-6 * Math.sqrt(hat)));
            // the trainer applies it and the state round-trips
            t.withAnnealing(a);
            t.train(false);
            Map<String, Double> saved = a.state(obj);
            obj.setWeight("boundary", 1.0);
            new WeightAnnealing(10, alpha, "", false).restore(obj, saved);
            assertThat(obj.weights().get("boundary")).isEqualTo(saved.get("boundary"));
        }
    }

    @Test
    void rejectsUnknownReferenceAndBadFactors() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, "helmholtz2d", Map.of(),
                    Fixture.spec("mlp", 0, 0, List.of(4), Activation.TANH, Initializer.GLOROT_NORMAL), 5);
            assertThatThrownBy(() -> new WeightAnnealing(10, 0.9, "nope", false).checkedAgainst(obj))
                    .hasMessageContaining("loss.annealing.reference").hasMessageContaining("pde");
            assertThatThrownBy(() -> new WeightAnnealing(0, 0.9, "", false)).hasMessageContaining("loss.annealing.every");
            assertThatThrownBy(() -> new WeightAnnealing(10, 1.5, "", false)).hasMessageContaining("loss.annealing.alpha");
        }
    }

    /** The flat gradient of one unweighted term, by its own forward and backward pass. */
    private static double[] gradient(Objective obj, Map<String, PointSet> batch, String term) {
        try (Autograd.Recording rec = Autograd.record()) {
            NDArray v = obj.evaluate(batch).terms().get(term);
            System.gc();
            rec.backward(v);
        }
        List<Param> params = obj.network().parameters().list();
        double[] out = new double[Math.toIntExact(obj.network().parameters().count())];
        int at = 0;
        for (Param p : params) {
            double[] g = Tensors.toDoubles(p.array().getGradient());
            System.arraycopy(g, 0, out, at, g.length);
            at += g.length;
            p.array().getGradient().subi(p.array().getGradient());
        }
        return out;
    }
}
