package dev.terrain.model.jet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Product rule ({@code times}), {@code concat}, {@code slice}, {@code plus}, {@code minus} and
 * {@code scale} against central finite differences in float64 ({@link JetFd}, h = 1e-3, fourth-order
 * stencils). Tolerances relative to the largest magnitude of the quantity: value 1e-14, first
 * derivatives 1e-8, second derivatives and Laplacian 1e-6. The operands mix every derivative layout:
 * point-dependent [d, B, n], point-independent [d, 1, n] (the input jet) and absent (constants).
 */
class JetAlgebraTest {
    static final double TOL_D1 = 1e-7;
    static final double TOL_D2 = 1e-6;

    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {1, 2, 3, 10})
    void everyOperationMatchesFiniteDifferences(int d) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            SplittableRandom rng = new SplittableRandom(100 + d);
            int b = 5;
            NDArray w1 = JetFd.array(m, ActivationJetTest.gaussians(rng, d * 3, 1.0 / Math.sqrt(d)), d, 3);
            NDArray b1 = JetFd.array(m, ActivationJetTest.gaussians(rng, 3, 0.5), 3);
            NDArray w2 = JetFd.array(m, ActivationJetTest.gaussians(rng, d * 3, 1.0 / Math.sqrt(d)), d, 3);
            NDArray b2 = JetFd.array(m, ActivationJetTest.gaussians(rng, 3, 0.5), 3);
            NDArray k = JetFd.array(m, ActivationJetTest.gaussians(rng, 3, 1.0), 1, 3);
            NDArray w3 = JetFd.array(m, ActivationJetTest.gaussians(rng, d, 1.0), d, 1);
            Function<Jet, Jet> a = x -> x.linear(w1, b1).apply(Activation.TANH, c);
            Function<Jet, Jet> bb = x -> x.linear(w2, b2).apply(Activation.SIN, c);
            // A constant jet (no derivatives), broadcast over the batch.
            Function<Jet, Jet> konst = x -> Jet.constant(k.add(x.value().zerosLike().get(":, 0:1")), x.order());
            // A single-output jet whose second derivatives are those of a product of linear maps.
            Function<Jet, Jet> quad = x -> x.linear(w3, null).times(x.linear(w3, null), c);

            Map<String, Function<Jet, Jet>> ops = new LinkedHashMap<>();
            ops.put("a*b", x -> a.apply(x).times(bb.apply(x), c));
            ops.put("a*a", x -> a.apply(x).times(a.apply(x), c));
            ops.put("x*x (input jets)", x -> x.times(x, c));
            ops.put("x*a[0] (broadcast)", x -> x.times(a.apply(x).slice(0, 1), c));
            ops.put("a*const", x -> a.apply(x).times(konst.apply(x), c));
            ops.put("const*a", x -> konst.apply(x).times(a.apply(x), c));
            ops.put("a[0:1]*b (broadcast)", x -> a.apply(x).slice(0, 1).times(bb.apply(x), c));
            ops.put("(w.x)^2", quad);
            ops.put("(w.x)^2 * b", x -> quad.apply(x).times(bb.apply(x), c));
            ops.put("concat(a, x, const, b)", x -> Jet.concat(a.apply(x), x, konst.apply(x), bb.apply(x)));
            ops.put("concat(a, x, const, b)[2:5]",
                    x -> Jet.concat(a.apply(x), x, konst.apply(x), bb.apply(x)).slice(2, 2 + Math.min(3, d + 1)));
            ops.put("a[1:3]", x -> a.apply(x).slice(1, 3));
            ops.put("x[last]", x -> x.slice(d - 1, d));
            ops.put("a+b", x -> a.apply(x).plus(bb.apply(x)));
            ops.put("a+const", x -> a.apply(x).plus(konst.apply(x)));
            ops.put("a-b", x -> a.apply(x).minus(bb.apply(x)));
            ops.put("const-a", x -> konst.apply(x).minus(a.apply(x)));
            ops.put("a-const", x -> a.apply(x).minus(konst.apply(x)));
            ops.put("2.5 a", x -> a.apply(x).scale(c.of(2.5)));
            ops.put("tanh(concat(a,b) W)",
                    x -> Jet.concat(a.apply(x), bb.apply(x)).linear(JetFd.array(m, weights6(), 6, 2), null)
                            .apply(Activation.TANH, c));
            double[] x = JetFd.points(rng, b, d, -1, 1);
            for (Map.Entry<String, Function<Jet, Jet>> e : ops.entrySet()) {
                JetFd.Errors err = JetFd.compare(m, e.getValue(), x, b, d, false);
                assertThat(err.value()).as("%s value: %s", e.getKey(), err).isLessThanOrEqualTo(1e-14);
                assertThat(err.d1()).as("%s d1: %s", e.getKey(), err).isLessThanOrEqualTo(TOL_D1);
                assertThat(err.d2()).as("%s d2: %s", e.getKey(), err).isLessThanOrEqualTo(TOL_D2);
                assertThat(err.laplacian()).as("%s laplacian: %s", e.getKey(), err).isLessThanOrEqualTo(TOL_D2);
            }
        }
    }

    private static double[] weights6() {
        return new double[] {0.3, -0.7, 1.1, 0.2, -0.4, 0.9, 0.5, 0.5, -1.2, 0.1, 0.8, -0.6};
    }

    @Test
    void productRuleByHandOnAKnownPolynomial() {
        // u = x0^2 * x1 at (2, 3): u = 12, du/dx0 = 12, du/dx1 = 4, d2u/dx0^2 = 6, d2u/dx1^2 = 0.
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Jet x = Jet.input(m.create(new double[] {2, 3}, new Shape(1, 2)), 2);
            Jet x0 = x.slice(0, 1);
            Jet u = x0.times(x0, c).times(x.slice(1, 2), c);
            assertThat(Tensors.toDoubles(u.value())).containsExactly(12.0);
            assertThat(Tensors.toDoubles(u.d1(0))).containsExactly(12.0);
            assertThat(Tensors.toDoubles(u.d1(1))).containsExactly(4.0);
            assertThat(Tensors.toDoubles(u.d2(0))).containsExactly(6.0);
            assertThat(Tensors.toDoubles(u.d2(1))).containsExactly(0.0);
            assertThat(Tensors.toDoubles(u.laplacian())).containsExactly(6.0);
            assertThat(Tensors.toDoubles(u.gradNormSquared())).containsExactly(160.0);
        }
    }

    @Test
    void derivativesBeyondTheCarriedOrderAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            Jet x1 = Jet.input(m.create(new double[] {1, 2}, new Shape(1, 2)), 1);
            assertThat(Tensors.toDoubles(x1.d1(1))).containsExactly(0.0, 1.0);
            assertThatThrownBy(x1::laplacian).isInstanceOf(IllegalStateException.class).hasMessageContaining("order 1");
            assertThatThrownBy(() -> Jet.input(x1.value(), 0).d1(0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> new Jet(x1.value(), null, null, 3)).isInstanceOf(IllegalArgumentException.class);
            // The input jet has no second derivatives: its Laplacian is zero.
            assertThat(Tensors.toDoubles(Jet.input(x1.value(), 2).laplacian())).containsExactly(0.0, 0.0);
        }
    }

    /** The input jet with the identity made once per dimension: e_k at every point, same array on reuse. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"float32", "float64"})
    void inputJetFromScalarsIsTheIdentityMadeOnce(String type) {
        try (NDManager m = NDManager.newBaseManager()) {
            DataType dtype = type.equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
            Scalars c = new Scalars(m, dtype);
            NDArray x = Tensors.create(m, new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, new Shape(2, 3), dtype);
            Jet j = Jet.input(x, 2, c);
            Jet plain = Jet.input(x, 2);
            assertThat(j.grad().getShape()).isEqualTo(new Shape(3, 1, 3));
            assertThat(j.grad().getDataType()).isEqualTo(dtype);
            assertThat(Tensors.toDoubles(j.grad())).containsExactly(Tensors.toDoubles(plain.grad()));
            assertThat(Tensors.toDoubles(j.grad())).containsExactly(1, 0, 0, 0, 1, 0, 0, 0, 1);
            assertThat(j.hess()).isNull();
            assertThat(Jet.input(x, 1, c).grad()).isSameAs(j.grad());
            assertThat(Jet.input(x, 0, c).grad()).isNull();
            assertThat(c.identityJet(2).getShape()).isEqualTo(new Shape(2, 1, 2));
        }
    }
}
