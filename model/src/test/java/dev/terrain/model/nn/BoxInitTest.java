package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Box initialisation (paper 004, Algorithms 2 and 3) keeps the bounds the paper proves, checked in
 * float64 with ReLU on all 2^in corners of the input box (in <= 10) and 1000 random points inside it:
 * <ul>
 *   <li>plain layers (eq. (10)): every unit maps [0, 1]^in into [0, 1 + 1e-12], its maximum over the
 *       corners is 1 to 1e-12 and its minimum 0;
 *   <li>residual layer l of L (eqs. (12)-(14)): on [0, m_l]^w the unit sigma(x W + b) lies in
 *       [0, delta m_l (1 + 1e-12)] with maximum delta m_l (relative 1e-12) over the corners, and
 *       x + sigma(x W + b) in [0, m_l (1 + delta)(1 + 1e-12)];
 *   <li>the hidden stack of a depth-64, width-8 residual network maps [0, 1]^d into
 *       [0, (1 + 1/63)^63 (1 + 1e-12)]^w, inside [0, e]^w (eq. (15)).
 * </ul>
 */
class BoxInitTest {
    static final double TOL = 1e-12;

    /** Row-major points: the 2^in corners of [0, m]^in, then {@code random} uniform points. */
    static double[] cornersAndPoints(int in, double m, int random, SplittableRandom rng) {
        int corners = 1 << in;
        double[] x = new double[(corners + random) * in];
        for (int c = 0; c < corners; c++) {
            for (int i = 0; i < in; i++) {
                x[c * in + i] = ((c >> i) & 1) == 1 ? m : 0;
            }
        }
        for (int k = corners * in; k < x.length; k++) {
            x[k] = m * rng.nextDouble();
        }
        return x;
    }

    static NDArray points(NDManager m, double[] x, int in) {
        return m.create(x, new Shape(x.length / in, in));
    }

    @Test
    void plainLayersMapTheUnitBoxIntoTheUnitBoxWithMaxOneAtACorner() {
        SplittableRandom sizes = new SplittableRandom(17);
        for (int trial = 0; trial < 16; trial++) {
            int in = trial == 0 ? 10 : 1 + sizes.nextInt(10);
            int out = 1 + sizes.nextInt(16);
            try (NDManager m = NDManager.newBaseManager()) {
                Scalars c = new Scalars(m, DataType.FLOAT64);
                Parameters params = new Parameters(m, DataType.FLOAT64);
                Network net = new NetworkSpec("mlp", 0, 0, List.of(out), Activation.RELU, 0.1, Initializer.BOX,
                        List.of(), false, null).build(params, in, 1, 100 + trial);
                double[] x = cornersAndPoints(in, 1, 1000, new SplittableRandom(trial));
                double[] h = Tensors.toDoubles(net.hidden(Jet.input(points(m, x, in), 0), params.arrays(), c).value());
                String what = "in=" + in + " out=" + out;
                assertRange(h, 0.0, 1 + TOL, what);
                int corners = 1 << in;
                for (int j = 0; j < out; j++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double min = Double.POSITIVE_INFINITY;
                    for (int k = 0; k < corners; k++) {
                        max = Math.max(max, h[k * out + j]);
                        min = Math.min(min, h[k * out + j]);
                    }
                    assertThat(max).as("%s unit %d max over corners", what, j).isCloseTo(1.0, within(TOL));
                    assertThat(min).as("%s unit %d min over corners", what, j).isEqualTo(0.0);
                }
            }
        }
    }

    @Test
    void aDeepBoxMlpStaysInTheUnitBox() {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = new NetworkSpec("mlp", 0, 0, List.of(12, 12, 12, 12), Activation.RELU, 0.1,
                    Initializer.BOX, List.of(), false, null).build(params, 3, 1, 4);
            double[] x = cornersAndPoints(3, 1, 1000, new SplittableRandom(4));
            double[] h = Tensors.toDoubles(net.hidden(Jet.input(points(m, x, 3), 0), params.arrays(), c).value());
            assertRange(h, 0.0, 1 + TOL, "features");
        }
    }

    @ParameterizedTest(name = "L={0}")
    @ValueSource(ints = {2, 3, 6, 64})
    void residualLayersGrowTheirBoxByOnePlusDelta(int depth) {
        int w = 8;
        double delta = 1.0 / (depth - 1);
        SplittableRandom rng = new SplittableRandom(depth);
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            // The first residual layers and the last one (64 layers are checked by the stack test below).
            for (int l = 2; l <= depth; l = l < 8 ? l + 1 : Math.max(l + 1, depth)) {
                double box = Math.pow(1 + delta, l - 2);
                assertThat(BoxInit.inputBox(l, depth)).isCloseTo(box, within(TOL));
                Affine a = BoxInit.residual(w, l, depth, rng);
                double[] x = cornersAndPoints(w, box, 1000, rng);
                NDArray xs = points(m, x, w);
                Jet s = Jet.input(xs, 0).linear(m.create(a.weight(), new Shape(w, w)), m.create(a.bias()))
                        .apply(Activation.RELU, c);
                double[] sigma = Tensors.toDoubles(s.value());
                double[] next = Tensors.toDoubles(xs.add(s.value()));
                String what = "L=" + depth + " l=" + l;
                double top = delta * box;
                assertRange(sigma, 0.0, top * (1 + TOL), what);
                assertRange(next, 0.0, box * (1 + delta) * (1 + TOL), what);
                for (int j = 0; j < w; j++) {
                    double max = 0;
                    for (int k = 0; k < 1 << w; k++) {
                        max = Math.max(max, sigma[k * w + j]);
                    }
                    assertThat(max).as("%s unit %d max over corners", what, j).isCloseTo(top, within(TOL * top));
                }
            }
        }
    }

    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {1, 3})
    void aDepth64BoxResidualStackMapsTheUnitBoxInsideZeroE(int d) {
        int depth = 64;
        double bound = Math.pow(1 + 1.0 / (depth - 1), depth - 1);
        assertThat(bound).isLessThan(Math.E);
        double[] h = residualFeatures(Initializer.BOX, depth, 8, d, 7, randomPoints(1000, d, 9));
        assertRange(h, 0.0, bound * (1 + TOL), "features");
    }

    static double[] randomPoints(int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextDouble();
        }
        return x;
    }

    /** Hidden features Phi(x) of a ReLU residual network, row-major [N, w]. */
    static double[] residualFeatures(Initializer init, int depth, int w, int d, long seed, double[] x) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = new NetworkSpec("residual", w, depth, List.of(), Activation.RELU, 0.1, init, List.of(),
                    false, null).build(params, d, 1, seed);
            return Tensors.toDoubles(net.hidden(Jet.input(points(m, x, d), 0), params.arrays(), c).value());
        }
    }

    /** Eigenvalues of the features' covariance over the points, ascending. */
    static double[] eigenvalues(double[] h, int w) {
        int n = h.length / w;
        DMatrixRMaj a = new DMatrixRMaj(n, w, true, h);
        for (int j = 0; j < w; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += a.get(i, j) / n;
            }
            for (int i = 0; i < n; i++) {
                a.set(i, j, a.get(i, j) - mean);
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(w, w);
        CommonOps_DDRM.multTransA(a, a, cov);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(w, false, true);
        assertThat(eig.decompose(cov)).isTrue();
        double[] e = new double[w];
        for (int k = 0; k < w; k++) {
            e[k] = eig.getEigenvalue(k).getReal() / n;
        }
        java.util.Arrays.sort(e);
        return e;
    }

    /**
     * Paper 004 section 4.2 / Fig. 8: a depth-64, width-8 ReLU residual network on 200 points of
     * [0, 1], eight seeds. Box: the features' covariance has full rank 8 (eigenvalues above 1e-12 of
     * the largest), smallest/largest eigenvalue 2.1e-6 .. 9.4e-5 measured (asserted > 1e-7), every
     * feature's std over x at least 0.060 (asserted > 0.01), |Phi| at most 1.30 (< e). He-uniform: rank
     * 1 (smallest and second-largest eigenvalue ratios below 3e-16; zero biases and x >= 0 make the
     * ReLU stack positively homogeneous, Phi(x) = x Phi(1), the "lines through the origin" of the
     * paper) and |Phi| up to 3.9e12 .. 2.0e14 (blow-up).
     */
    @Test
    void boxKeepsADeepResidualBasisRichWhereHeCollapsesToALine() {
        int w = 8;
        int n = 200;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i + 0.5) / n;
        }
        for (long seed = 1; seed <= 8; seed++) {
            double[] box = residualFeatures(Initializer.BOX, 64, w, 1, seed, x);
            double[] he = residualFeatures(Initializer.HE_UNIFORM, 64, w, 1, seed, x);
            double[] eb = eigenvalues(box, w);
            double[] eh = eigenvalues(he, w);
            String what = "seed " + seed;
            assertThat(rank(eb)).as("%s box rank", what).isEqualTo(w);
            assertThat(eb[0] / eb[w - 1]).as("%s box min/max eigenvalue", what).isGreaterThan(1e-7);
            assertThat(minStd(box, w)).as("%s box feature std", what).isGreaterThan(0.01);
            assertThat(maxAbs(box)).as("%s box |Phi|", what).isLessThan(Math.E);
            assertThat(rank(eh)).as("%s he rank", what).isEqualTo(1);
            assertThat(eh[w - 2] / eh[w - 1]).as("%s he second/max eigenvalue", what).isLessThan(1e-12);
            assertThat(maxAbs(he)).as("%s he |Phi|", what).isGreaterThan(1e6);
        }
    }

    /** Eigenvalues (ascending) above 1e-12 of the largest. */
    static int rank(double[] e) {
        int r = 0;
        for (double v : e) {
            r += v > 1e-12 * e[e.length - 1] ? 1 : 0;
        }
        return r;
    }

    /** Largest |Phi_j(x)|. */
    static double maxAbs(double[] h) {
        double m = 0;
        for (double v : h) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Smallest standard deviation over the points of a feature Phi_j. */
    static double minStd(double[] h, int w) {
        int n = h.length / w;
        double min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < w; j++) {
            double mean = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                mean += h[i * w + j] / n;
            }
            for (int i = 0; i < n; i++) {
                sq += Math.pow(h[i * w + j] - mean, 2) / n;
            }
            min = Math.min(min, Math.sqrt(sq));
        }
        return min;
    }

    @Test
    void boxIsRefusedWhereThePaperDoesNotDefineIt() {
        for (String type : List.of("resnet", "fcnet", "modified-mlp")) {
            assertThatThrownBy(() -> new NetworkSpec(type, 4, 2, List.of(), Activation.RELU, 0.1, Initializer.BOX,
                    List.of(), false, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("initializer box applies to network types mlp and residual")
                    .hasMessageContaining("got '" + type + "'");
        }
        assertThatThrownBy(() -> new NetworkSpec("residual", 4, 2, List.of(), Activation.RELU, 0.1, Initializer.BOX,
                List.of(0, 1), false, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1]^d")
                .hasMessageContaining("Fourier features");
        assertThatThrownBy(() -> Initializer.BOX.weights(3, 4, new SplittableRandom(1)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void boxNetworksAreReproducibleFromTheirSeed() {
        for (String type : NetworkSpec.BOX_TYPES) {
            NetworkSpec spec = new NetworkSpec(type, 6, 4, List.of(6, 6), Activation.RELU, 0.1, Initializer.BOX,
                    List.of(), false, null);
            try (NDManager m = NDManager.newBaseManager()) {
                Parameters a = new Parameters(m, DataType.FLOAT64);
                Parameters b = new Parameters(m, DataType.FLOAT64);
                Parameters other = new Parameters(m, DataType.FLOAT64);
                spec.build(a, 2, 1, 3);
                spec.build(b, 2, 1, 3);
                spec.build(other, 2, 1, 4);
                assertThat(b.toFlat()).as(type).containsExactly(a.toFlat());
                assertThat(other.toFlat()).as(type).isNotEqualTo(a.toFlat());
            }
        }
    }

    /** Every value in [lo, hi]; the message names the extreme values. */
    static void assertRange(double[] v, double lo, double hi, String what) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double a : v) {
            min = Math.min(min, a);
            max = Math.max(max, a);
        }
        assertThat(min).as("%s min", what).isGreaterThanOrEqualTo(lo);
        assertThat(max).as("%s max", what).isLessThanOrEqualTo(hi);
    }

    static org.assertj.core.data.Offset<Double> within(double tol) {
        return org.assertj.core.data.Offset.offset(tol);
    }
}
