package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.GradientDescent;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.tensor.Scalars;
import org.junit.jupiter.api.Test;

/** ISGD (paper 002 Algorithm 1) on the stiff quadratic of its section 2.3. */
class IsgdTest {
    private static final double[] K = {1e-2, 1e2};
    private static final double[] T = {0.5, -0.25};
    private static final double[] THETA0 = {2.0, 1.0};

    private static Isgd lbfgsIsgd(StiffQuadratic q, double alpha, long k0, NDManager m) {
        LbfgsMethod inner = new LbfgsMethod(new Lbfgs.Settings(1, 50, 80, 1e-14, 1e-16, 10, true), q.params);
        TrainingMethod outer = new FirstOrder(new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8), q.params);
        return new Isgd(alpha, k0, 50, null, inner, outer, q.params, new Scalars(m, ai.djl.ndarray.types.DataType.FLOAT64));
    }

    @Test
    void proximalStepMatchesTheImplicitEulerClosedForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            StiffQuadratic q = new StiffQuadratic(m, K, T, THETA0);
            double alpha = 0.5;
            Isgd isgd = lbfgsIsgd(q, alpha, 10, m);
            double[] expected = THETA0.clone();
            for (int n = 0; n < 4; n++) {
                isgd.step(q, n);
                for (int i = 0; i < K.length; i++) {
                    // eq. (4)/(12): theta_{n+1} = theta_n - alpha grad L(theta_{n+1})
                    expected[i] = T[i] + (expected[i] - T[i]) / (1 + alpha * K[i]);
                }
                double[] got = q.theta();
                for (int i = 0; i < K.length; i++) {
                    assertThat(got[i]).as("step %d, coordinate %d", n, i).isCloseTo(expected[i],
                            org.assertj.core.data.Offset.offset(1e-9));
                }
            }
            assertThat(isgd.proximalSteps()).isEqualTo(4);
        }
    }

    @Test
    void largeRateIsStableWhereExplicitDescentDiverges() {
        try (NDManager m = NDManager.newBaseManager()) {
            double rate = 0.5; // > 2 / max k = 0.02: explicit GD is unstable in the stiff direction
            StiffQuadratic explicit = new StiffQuadratic(m, K, T, THETA0);
            FirstOrder gd = new FirstOrder(new GradientDescent(new Schedule.Constant(rate)), explicit.params);
            StiffQuadratic implicit = new StiffQuadratic(m, K, T, THETA0);
            Isgd isgd = new Isgd(rate, 1000, 20, new Adam(new Schedule.Constant(0.05), 0.9, 0.999, 1e-8), null,
                    new FirstOrder(new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8), implicit.params),
                    implicit.params, new Scalars(m, ai.djl.ndarray.types.DataType.FLOAT64));
            double start = explicit.current();
            for (int n = 0; n < 30; n++) {
                gd.step(explicit, n);
                isgd.step(implicit, n);
                assertThat(implicit.current()).as("ISGD loss stays below the start (step %d)", n).isLessThan(start);
            }
            assertThat(explicit.current()).as("explicit GD diverges").isGreaterThan(1e6 * start);
            assertThat(implicit.current()).as("ISGD,Adam converges").isLessThan(0.2 * start);
            assertThat(isgd.evaluations()).isEqualTo(30 * 20);
        }
    }

    @Test
    void switchesToTheOuterOptimizerAfterK0Steps() {
        try (NDManager m = NDManager.newBaseManager()) {
            StiffQuadratic q = new StiffQuadratic(m, K, T, THETA0);
            Isgd isgd = lbfgsIsgd(q, 0.5, 3, m);
            for (int n = 0; n < 5; n++) {
                isgd.step(q, n);
            }
            assertThat(isgd.proximalSteps()).isEqualTo(3);
            // The two outer steps are single Adam evaluations.
            long proximalEvals = isgd.evaluations() - 2;
            assertThat(proximalEvals).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            StiffQuadratic q = new StiffQuadratic(m, K, T, THETA0);
            Scalars c = new Scalars(m, ai.djl.ndarray.types.DataType.FLOAT64);
            Adam adam = new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8);
            FirstOrder outer = new FirstOrder(adam, q.params);
            assertThatThrownBy(() -> new Isgd(0.5, 10, 0, adam, null, outer, q.params, c))
                    .hasMessageContaining("optimizer.isgd.k1");
            assertThatThrownBy(() -> new Isgd(-0.5, 10, 5, adam, null, outer, q.params, c))
                    .hasMessageContaining("optimizer.isgd.alpha");
            assertThatThrownBy(() -> new Isgd(0.5, -1, 5, adam, null, outer, q.params, c))
                    .hasMessageContaining("optimizer.isgd.k0");
        }
    }
}
