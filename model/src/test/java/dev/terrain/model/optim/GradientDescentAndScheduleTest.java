package dev.terrain.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain gradient descent (one step, exactly) and the learning-rate schedules. */
class GradientDescentAndScheduleTest {
    @ParameterizedTest(name = "lr={0}")
    @ValueSource(doubles = {0.25, 0.1, 3e-3})
    void oneStepIsThetaMinusLrTimesGradientExactly(double lr) {
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 8);
            GradientDescent gd = new GradientDescent(new Schedule.Constant(lr));
            bowl.backward();
            double[] g = bowl.gradient(bowl.theta0);
            gd.update(bowl.params, 0);
            // DJL's kernel takes the rate as a float: theta - float(lr) g, one rounding, bit for bit.
            double lrKernel = (float) lr;
            double[] got = bowl.params.toFlat();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isEqualTo(bowl.theta0[i] - lrKernel * g[i]);
                assertThat(got[i]).isCloseTo(bowl.theta0[i] - lr * g[i], Offset.offset(1e-7 * lr * Math.abs(g[i])));
            }
            assertThat(bowl.deviceGradient()).containsOnly(0.0);
            assertThat(gd.updates()).isEqualTo(1);
            OptimizerState s = gd.state(bowl.params);
            assertThat(s.optimizer()).isEqualTo("gd");
            GradientDescent again = new GradientDescent(new Schedule.Constant(lr));
            again.restore(bowl.params, s);
            assertThat(again.updates()).isEqualTo(1);
            assertThatThrownBy(() -> again.restore(bowl.params, new OptimizerState("adam", 1, Map.of())))
                    .hasMessageContaining("'adam'").hasMessageContaining("'gd'");
        }
    }

    @Test
    void gradientDescentUsesTheScheduleAtTheGivenStep() {
        try (NDManager mgr = NDManager.newBaseManager()) {
            QuadraticBowl bowl = new QuadraticBowl(mgr, DataType.FLOAT64, 9);
            GradientDescent gd = new GradientDescent(new Schedule.StepDecay(0.5, 0.5, 10));
            bowl.backward();
            double[] g = bowl.gradient(bowl.theta0);
            gd.update(bowl.params, 25); // rate 0.5 * 0.5^2 = 0.125
            double[] got = bowl.params.toFlat();
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isEqualTo(bowl.theta0[i] - 0.125 * g[i]);
            }
        }
    }

    @Test
    void cosineEndpointsMidpointAndClamp() {
        Schedule.Cosine s = new Schedule.Cosine(1e-2, 1e-5, 1000);
        assertThat(s.rate(0)).isEqualTo(1e-2);
        assertThat(s.rate(1000)).isCloseTo(1e-5, Offset.offset(1e-18));
        assertThat(s.rate(500)).isCloseTo((1e-2 + 1e-5) / 2, Offset.offset(1e-17));
        assertThat(s.rate(250)).isCloseTo(1e-5 + (1e-2 - 1e-5) * (1 + Math.sqrt(0.5)) / 2, Offset.offset(1e-17));
        assertThat(s.rate(5000)).isCloseTo(1e-5, Offset.offset(1e-18));
        double prev = Double.POSITIVE_INFINITY;
        for (long t = 0; t <= 1000; t += 50) {
            assertThat(s.rate(t)).isLessThan(prev);
            prev = s.rate(t);
        }
    }

    @Test
    void stepDecayAndConstant() {
        Schedule.StepDecay s = new Schedule.StepDecay(1e-3, 0.1, 100);
        assertThat(s.rate(0)).isEqualTo(1e-3);
        assertThat(s.rate(99)).isEqualTo(1e-3);
        assertThat(s.rate(100)).isCloseTo(1e-4, Offset.offset(1e-18));
        assertThat(s.rate(250)).isCloseTo(1e-5, Offset.offset(1e-19));
        assertThat(new Schedule.Constant(0.3).rate(123456)).isEqualTo(0.3);
    }
}
