package dev.terrain.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Adam against a hand-written reference of PyTorch's formula in Java doubles:
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t),
 * theta -= lr m_hat / (sqrt(v_hat) + eps), on a quadratic bowl in float64.
 *
 * <p>Tolerance: after every step |theta - theta_ref| at most 1e-6 times the distance Adam may have
 * travelled (sum of the rates so far; each Adam step moves a coordinate by at most about lr). DJL's
 * fused kernel takes its scalars as float: lr (1 - b2^t)^(1/2) / (1 - b1^t) and eps (1 - b2^t)^(1/2)
 * are rounded to float (relative 6e-8; 3.4e-8 measured), and its moments use float(b1), float(b2);
 * with bias corrections computed from the same rounded betas that is an exact Adam whose betas differ
 * by 1e-8, far below the tolerance. Bias corrections from the unrounded betas (the state before this
 * test) miss by (1 - float(b2)) / (1 - b2) - 1 = 1.3e-5 in v_hat, 6.7e-6 in the step: that fails here.
 */
class AdamTest {
    static final double TOL = 1e-6;

    /** PyTorch's Adam in Java doubles. */
    static final class ReferenceAdam {
        final double b1;
        final double b2;
        final double eps;
        final double[] m;
        final double[] v;
        int t;

        ReferenceAdam(int n, double b1, double b2, double eps) {
            this.b1 = b1;
            this.b2 = b2;
            this.eps = eps;
            m = new double[n];
            v = new double[n];
        }

        void step(double[] theta, double[] g, double lr) {
            t++;
            for (int i = 0; i < theta.length; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                theta[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
    }

    @ParameterizedTest(name = "lr={0} b1={1} b2={2} eps={3} cosine={4}")
    @CsvSource({
        "1e-2, 0.9, 0.999, 1e-8, false",
        "1e-2, 0.9, 0.999, 1e-8, true",
        "5e-2, 0.8, 0.99, 1e-8, false",
        "1e-3, 0.9, 0.999, 0.5, false",   // eps comparable to sqrt(v_hat): the eps correction matters
        "3e-2, 0.95, 0.9999, 1e-3, true"})
    void matchesPyTorchsFormula(double lr, double b1, double b2, double eps, boolean cosine) {
        int steps = 12;
        Schedule schedule = cosine ? new Schedule.Cosine(lr, lr / 10, steps) : new Schedule.Constant(lr);
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 3);
            Adam adam = new Adam(schedule, b1, b2, eps);
            ReferenceAdam ref = new ReferenceAdam(bowl.theta0.length, b1, b2, eps);
            double[] theta = bowl.theta0.clone();
            double travelled = 0;
            for (int step = 0; step < steps; step++) {
                bowl.backward();
                double[] g = bowl.gradient(theta);
                assertThat(bowl.deviceGradient()).as("step %d gradient", step)
                        .containsExactly(bowl.gradient(bowl.params.toFlat()));
                adam.update(bowl.params, step);
                ref.step(theta, g, schedule.rate(step));
                travelled += schedule.rate(step);
                double[] got = bowl.params.toFlat();
                for (int i = 0; i < theta.length; i++) {
                    assertThat(got[i]).as("step %d, theta[%d]", step, i)
                            .isCloseTo(theta[i], org.assertj.core.data.Offset.offset(TOL * travelled));
                }
                assertThat(bowl.deviceGradient()).as("update zeroes the gradient").containsOnly(0.0);
                assertThat(adam.updates()).isEqualTo(step + 1);
            }
            // The steps were not trivially small: the parameters moved by about the rates.
            double moved = 0;
            for (int i = 0; i < theta.length; i++) {
                moved = Math.max(moved, Math.abs(theta[i] - bowl.theta0[i]));
            }
            assertThat(moved).isGreaterThan(0.3 * travelled * (eps > 0.1 ? 0.1 : 1));
        }
    }

    @Test
    void firstStepMovesEveryCoordinateByTheLearningRate() {
        // With eps negligible, m_hat / sqrt(v_hat) = sign(g) at t = 1: every coordinate moves by lr.
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 4);
            Adam adam = new Adam(new Schedule.Constant(0.01), 0.9, 0.999, 1e-12);
            bowl.backward();
            double[] g = bowl.gradient(bowl.theta0);
            adam.update(bowl.params, 0);
            double[] got = bowl.params.toFlat();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isCloseTo(bowl.theta0[i] - 0.01 * Math.signum(g[i]),
                        org.assertj.core.data.Offset.offset(1e-9));
            }
        }
    }

    @Test
    void savedStateRestoredIntoAFreshAdamGivesIdenticalUpdates() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 5);
            Schedule schedule = new Schedule.Cosine(0.05, 0.001, 10);
            Adam first = new Adam(schedule, 0.9, 0.999, 1e-8);
            for (int s = 0; s < 3; s++) {
                bowl.backward();
                first.update(bowl.params, s);
            }
            OptimizerState saved = first.state(bowl.params);
            assertThat(saved.optimizer()).isEqualTo("adam");
            assertThat(saved.updates()).isEqualTo(3);
            assertThat(saved.buffers()).containsOnlyKeys("p0", "p1");
            assertThat(saved.buffers().get("p1")).containsOnlyKeys("m", "v");
            assertThat(saved.buffers().get("p1").get("v")).hasSize(4);
            assertThat(java.util.Arrays.stream(saved.buffers().get("p1").get("v")).min().getAsDouble()).isPositive();
            double[] at3 = bowl.params.toFlat();
            for (int s = 3; s < 6; s++) {
                bowl.backward();
                first.update(bowl.params, s);
            }
            double[] continued = bowl.params.toFlat();

            bowl.params.load(at3);
            Adam restored = new Adam(schedule, 0.9, 0.999, 1e-8);
            restored.restore(bowl.params, saved);
            assertThat(restored.updates()).isEqualTo(3);
            assertThat(restored.state(bowl.params).buffers().get("p0").get("m"))
                    .containsExactly(saved.buffers().get("p0").get("m"));
            for (int s = 3; s < 6; s++) {
                bowl.backward();
                restored.update(bowl.params, s);
            }
            assertThat(bowl.params.toFlat()).containsExactly(continued);

            // Control: a fresh Adam without the state does something else.
            bowl.params.load(at3);
            Adam fresh = new Adam(schedule, 0.9, 0.999, 1e-8);
            for (int s = 3; s < 6; s++) {
                bowl.backward();
                fresh.update(bowl.params, s);
            }
            assertThat(bowl.params.toFlat()).isNotEqualTo(continued);
        }
    }

    /**
     * Adam keeps views of the parameters and of their gradient buffers from one update to the next; given
     * other arrays under the same names (another network, rebuilt), it must move those, zero their
     * gradients and leave the first ones alone, carrying the moments over by name as it always has.
     */
    @Test
    void otherArraysUnderTheSameNamesAreTheOnesItMoves() {
        double lr = 0.02;
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl a = new QuadraticBowl(mgr, DataType.FLOAT64, 7);
            QuadraticBowl b = new QuadraticBowl(mgr, DataType.FLOAT64, 7);
            Adam adam = new Adam(new Schedule.Constant(lr), 0.9, 0.999, 1e-8);
            ReferenceAdam ref = new ReferenceAdam(a.theta0.length, 0.9, 0.999, 1e-8);
            double[] thetaA = a.theta0.clone();
            for (int s = 0; s < 2; s++) {
                a.backward();
                ref.step(thetaA, a.gradient(thetaA), lr);
                adam.update(a.params, s);
            }
            double[] aAfter = a.params.toFlat();
            double[] thetaB = b.theta0.clone();
            b.backward();
            ref.step(thetaB, b.gradient(thetaB), lr);
            adam.update(b.params, 2);
            assertThat(a.params.toFlat()).as("the first arrays").containsExactly(aAfter);
            double[] got = b.params.toFlat();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("theta_b[%d]", i)
                        .isCloseTo(thetaB[i], org.assertj.core.data.Offset.offset(TOL * 3 * lr));
                assertThat(got[i]).as("theta_b[%d] moved", i).isNotEqualTo(b.theta0[i]);
            }
            assertThat(b.deviceGradient()).as("b's gradient zeroed").containsOnly(0.0);
            // And back to the first arrays: they move again, from their own gradient.
            a.backward();
            ref.step(thetaA, a.gradient(thetaA), lr);
            adam.update(a.params, 3);
            got = a.params.toFlat();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("theta_a[%d]", i)
                        .isCloseTo(thetaA[i], org.assertj.core.data.Offset.offset(TOL * 4 * lr));
            }
        }
    }

    @Test
    void restoreRefusesForeignOrIncompleteState() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 6);
            Adam adam = new Adam(new Schedule.Constant(0.01), 0.9, 0.999, 1e-8);
            assertThatThrownBy(() -> adam.restore(bowl.params, new OptimizerState("gd", 4, Map.of())))
                    .hasMessageContaining("'gd'").hasMessageContaining("'adam'");
            OptimizerState partial = new OptimizerState("adam", 4,
                    Map.of("p0", Map.of("m", new double[3], "v", new double[3]), "p1", Map.of("m", new double[4])));
            assertThatThrownBy(() -> adam.restore(bowl.params, partial))
                    .hasMessageContaining("'v'").hasMessageContaining("'p1'").hasMessageContaining("4 values");
        }
    }
}
