package dev.terrain.model.quad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Composite Simpson weights: exact (to 1e-13 relative) for cubics with odd and even point counts,
 * not exact for a quartic, fourth-order convergence on sin, and the 2D tensor rule exact for x^2 y^3.
 */
class SimpsonTest {
    static double integrate(int n, double a, double b, DoubleUnaryOperator f) {
        double[] x = Simpson.nodes(n, a, b);
        double[] w = Simpson.weights(n, a, b);
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += w[i] * f.applyAsDouble(x[i]);
        }
        return s;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {3, 4, 5, 6, 7, 200, 201})
    void exactForCubics(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        for (int trial = 0; trial < 20; trial++) {
            double c0 = rng.nextDouble(-2, 2);
            double c1 = rng.nextDouble(-2, 2);
            double c2 = rng.nextDouble(-2, 2);
            double c3 = rng.nextDouble(-2, 2);
            double a = rng.nextDouble(-1, 0.5);
            double b = a + rng.nextDouble(0.1, 3);
            DoubleUnaryOperator antiderivative =
                    x -> c0 * x + c1 * x * x / 2 + c2 * x * x * x / 3 + c3 * x * x * x * x / 4;
            double exact = antiderivative.applyAsDouble(b) - antiderivative.applyAsDouble(a);
            double got = integrate(n, a, b, x -> c0 + c1 * x + c2 * x * x + c3 * x * x * x);
            assertThat(got).as("n=%d on [%s, %s]", n, a, b)
                    .isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-13 * (1 + Math.abs(exact)) * (b - a)));
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {5, 6})
    void notExactForAQuartic(int n) {
        // The test above can fail: x^4 on [0, 1] is off by a visible amount with few points.
        assertThat(Math.abs(integrate(n, 0, 1, x -> x * x * x * x) - 0.2)).isGreaterThan(1e-5);
    }

    @ParameterizedTest(name = "weights n={0}")
    @ValueSource(ints = {3, 4, 5, 6, 200, 201})
    void weightsArePositiveSumToTheLengthAndNodesSpanTheInterval(int n) {
        double[] w = Simpson.weights(n, -1, 2);
        double[] x = Simpson.nodes(n, -1, 2);
        assertThat(w).hasSize(n);
        assertThat(x).hasSize(n);
        double s = 0;
        for (double v : w) {
            assertThat(v).isPositive();
            s += v;
        }
        assertThat(s).isCloseTo(3.0, org.assertj.core.data.Offset.offset(1e-13));
        assertThat(x[0]).isEqualTo(-1.0);
        assertThat(x[n - 1]).isEqualTo(2.0);
        for (int i = 1; i < n; i++) {
            assertThat(x[i] - x[i - 1]).isCloseTo(3.0 / (n - 1), org.assertj.core.data.Offset.offset(1e-14));
        }
    }

    @Test
    void convergesWithOrderFourOnSine() {
        // integral of sin over [0, pi] = 2; h = pi / (n - 1). Odd n: 1/3 rule only; even n: 3/8 at the end.
        for (int[] ns : new int[][] {{17, 33, 65, 129, 257}, {16, 32, 64, 128, 256}}) {
            double prevErr = Double.NaN;
            double prevH = Double.NaN;
            for (int n : ns) {
                double h = Math.PI / (n - 1);
                double err = Math.abs(integrate(n, 0, Math.PI, Math::sin) - 2.0);
                if (!Double.isNaN(prevErr)) {
                    double order = Math.log(prevErr / err) / Math.log(prevH / h);
                    assertThat(order).as("observed order between n=%d and the previous", n).isBetween(3.8, 4.2);
                }
                prevErr = err;
                prevH = h;
            }
            assertThat(prevErr).isLessThan(1e-9);
        }
    }

    @Test
    void fewerThanThreePointsAreRefused() {
        assertThatThrownBy(() -> Simpson.weights(2, 0, 1)).hasMessageContaining("at least 3").hasMessageContaining("2");
    }

    @ParameterizedTest(name = "{0} points")
    @ValueSource(ints = {25, 36, 121, 400})
    void tensorSimpsonIntegratesX2Y3Exactly(int n) {
        // On [0, 2] x [1, 3]: (8 / 3) * (81 - 1) / 4 = 160 / 3.
        Domain.Box box = new Domain.Box(new double[] {0, 1}, new double[] {2, 3});
        HostPoints p = Sampler.sample(box, Region.INTERIOR, Rule.SIMPSON, n, new SplittableRandom(1));
        int m = (int) Math.round(Math.sqrt(n));
        assertThat(p.n()).isEqualTo(m * m);
        assertThat(p.dim()).isEqualTo(2);
        double s = 0;
        for (int i = 0; i < p.n(); i++) {
            double x = p.coordinate(i, 0);
            double y = p.coordinate(i, 1);
            s += p.w()[i] * x * x * y * y * y;
        }
        assertThat(s).isCloseTo(160.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(p.weightSum()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(1e-13));
    }

    @Test
    void tensorSimpsonIn3dIntegratesAProductOfCubicsAndPaper000Uses200PointsIn1d() {
        HostPoints p = Sampler.sample(Domain.Box.unit(3), Region.INTERIOR, Rule.SIMPSON, 6 * 6 * 6, new SplittableRandom(1));
        assertThat(p.n()).isEqualTo(216);
        double s = 0;
        for (int i = 0; i < p.n(); i++) {
            s += p.w()[i] * Math.pow(p.coordinate(i, 0), 3) * p.coordinate(i, 1) * Math.pow(p.coordinate(i, 2), 2);
        }
        assertThat(s).isCloseTo(0.25 * 0.5 / 3, org.assertj.core.data.Offset.offset(1e-14));
        HostPoints line = Sampler.sample(Domain.Box.unit(1), Region.INTERIOR, Rule.SIMPSON, 200, new SplittableRandom(1));
        assertThat(line.n()).isEqualTo(200);
        double sin = 0;
        for (int i = 0; i < line.n(); i++) {
            sin += line.w()[i] * Math.sin(Math.PI * line.x()[i]) * Math.sin(Math.PI * line.x()[i]);
        }
        assertThat(sin).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-8));
    }
}
