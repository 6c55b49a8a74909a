package dev.terrain.model.jet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every activation through a linear layer (and two stacked layers, so a carried second derivative
 * is propagated too) against central finite differences in float64 ({@link JetFd}: fourth-order
 * stencils, h = 1e-3). Tolerances, relative to the largest magnitude of the quantity: value 1e-14
 * (order-2 jet value against the order-0 value), first derivatives 1e-7, diagonal second derivatives
 * and the Laplacian 1e-6. ReLU: points whose stencil crosses a kink are skipped, the rest must match.
 */
class ActivationJetTest {
    static final double TOL_VALUE = 1e-14;
    static final double TOL_D1 = 1e-7;
    static final double TOL_D2 = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Activation a : Activation.values()) {
            for (int d : new int[] {1, 2, 3, 10}) {
                out.add(Arguments.of(a, d, Activation.DEFAULT_RHO));
            }
        }
        out.add(Arguments.of(Activation.SMOOTH_ABS, 2, 0.5));
        out.add(Arguments.of(Activation.SMOOTH_ABS, 3, 0.05));
        return out.stream();
    }

    static double[] gaussians(SplittableRandom rng, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * Initializer.gaussian(rng);
        }
        return v;
    }

    @ParameterizedTest(name = "{0} d={1} rho={2}")
    @MethodSource("cases")
    void linearThenActivationMatchesFiniteDifferences(Activation act, int d, double rho) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            SplittableRandom rng = new SplittableRandom(11 * d + act.ordinal());
            int n = 4;
            int b = 6;
            NDArray w1 = JetFd.array(m, gaussians(rng, d * n, 1.0 / Math.sqrt(d)), d, n);
            NDArray b1 = JetFd.array(m, gaussians(rng, n, 0.5), n);
            NDArray w2 = JetFd.array(m, gaussians(rng, n * 3, 0.7), n, 3);
            NDArray b2 = JetFd.array(m, gaussians(rng, 3, 0.5), 3);
            double[] x = JetFd.points(rng, b, d, -1, 1);
            boolean kinks = act == Activation.RELU;

            JetFd.Errors one = JetFd.compare(m, j -> j.linear(w1, b1).apply(act, rho, c), x, b, d, kinks);
            JetFd.Errors two = JetFd.compare(m,
                    j -> j.linear(w1, b1).apply(act, rho, c).linear(w2, b2).apply(act, rho, c), x, b, d, kinks);
            for (JetFd.Errors e : List.of(one, two)) {
                assertThat(e.value()).as("value %s", e).isLessThanOrEqualTo(TOL_VALUE);
                assertThat(e.d1()).as("d/dx_k %s", e).isLessThanOrEqualTo(TOL_D1);
                assertThat(e.d2()).as("d2/dx_k2 %s", e).isLessThanOrEqualTo(TOL_D2);
                assertThat(e.laplacian()).as("laplacian %s", e).isLessThanOrEqualTo(TOL_D2);
                assertThat(e.skipped()).as("kinks in stencils %s", e).isLessThanOrEqualTo(e.checked() / 4);
            }
        }
    }

    /** sigma, sigma', sigma'' of Activation.evaluate against closed forms written in Java doubles. */
    @Test
    void activationDerivativesMatchClosedForms() {
        double[] z = new double[41];
        for (int i = 0; i < z.length; i++) {
            z[i] = -4 + 0.2 * i + 0.013; // never exactly 0: ReLU's step is taken away from the kink
        }
        double rho = 0.3;
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            NDArray zs = m.create(z);
            for (Activation a : Activation.values()) {
                Activation.Values v = a.evaluate(zs, 2, c, rho);
                double[] s = Tensors.toDoubles(v.value());
                double[] s1 = Tensors.toDoubles(v.d1());
                double[] s2 = v.d2() == null ? new double[z.length] : Tensors.toDoubles(v.d2());
                DoubleUnaryOperator[] ref = closedForm(a, rho);
                for (int i = 0; i < z.length; i++) {
                    assertThat(s[i]).as("%s(%s)", a, z[i]).isCloseTo(ref[0].applyAsDouble(z[i]), within(1e-14));
                    assertThat(s1[i]).as("%s'(%s)", a, z[i]).isCloseTo(ref[1].applyAsDouble(z[i]), within(1e-14));
                    assertThat(s2[i]).as("%s''(%s)", a, z[i]).isCloseTo(ref[2].applyAsDouble(z[i]), within(1e-12));
                }
                // Order 0 gives the same value and no derivatives; order 1 no second derivative.
                Activation.Values v0 = a.evaluate(zs, 0, c, rho);
                assertThat(Tensors.toDoubles(v0.value())).containsExactly(s);
                assertThat(v0.d2()).isNull();
                assertThat(a.evaluate(zs, 1, c, rho).d2()).isNull();
            }
        }
    }

    private static org.assertj.core.data.Offset<Double> within(double tol) {
        return org.assertj.core.data.Offset.offset(tol);
    }

    private static DoubleUnaryOperator[] closedForm(Activation a, double rho) {
        return switch (a) {
            case TANH -> new DoubleUnaryOperator[] {Math::tanh,
                z -> 1 / (Math.cosh(z) * Math.cosh(z)),
                z -> -2 * Math.tanh(z) / (Math.cosh(z) * Math.cosh(z))};
            case SWISH -> new DoubleUnaryOperator[] {z -> z / (1 + Math.exp(-z)),
                z -> {
                    double q = 1 / (1 + Math.exp(-z));
                    return q + z * q * (1 - q);
                },
                z -> {
                    double q = 1 / (1 + Math.exp(-z));
                    // d/dz [q + z q (1 - q)] with q' = q (1 - q)
                    double dq = q * (1 - q);
                    return dq + q * (1 - q) + z * (dq * (1 - q) - q * dq);
                }};
            case RELU -> new DoubleUnaryOperator[] {z -> Math.max(z, 0), z -> z > 0 ? 1 : 0, z -> 0};
            case SIN -> new DoubleUnaryOperator[] {Math::sin, Math::cos, z -> -Math.sin(z)};
            case SMOOTH_ABS -> new DoubleUnaryOperator[] {z -> Math.hypot(z, rho),
                z -> z / Math.hypot(z, rho),
                z -> rho * rho / Math.pow(Math.hypot(z, rho), 3)};
        };
    }

    @Test
    void activationsAreFoundByIdAndUnknownNamesListTheValidOnes() {
        assertThat(Activation.byId("Smooth-Abs")).isEqualTo(Activation.SMOOTH_ABS);
        assertThat(Activation.byId("swish")).isEqualTo(Activation.SWISH);
        assertThatThrownBy(() -> Activation.byId("gelu"))
                .hasMessageContaining("gelu").hasMessageContaining("tanh, swish, relu, sin, smooth-abs");
    }
}
