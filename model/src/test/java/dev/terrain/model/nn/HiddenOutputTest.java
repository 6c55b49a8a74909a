package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.jet.JetFd;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The linear head of paper 004 eq. (3): for every network type, with and without Fourier features,
 * for the network's own parameters and for a batch of P = 3 perturbed parameter sets (weights
 * [P, in, out], biases [P, 1, out]), forward(x) equals hidden(x) W + b, W and b read at
 * {@link Network#outputLayerIndex()}, for the value and every first and second input derivative
 * of an order-2 jet, to 1e-12 relative to the largest magnitude (float64; the product is recomputed
 * on the host). With an output activation the network is sigma(hidden W + b) and the index is -1.
 */
class HiddenOutputTest {
    static final double TOL = 1e-12;
    static final int P = 3;
    static final int B = 5;
    static final int D = 2;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String type : NetworkSpec.TYPES) {
            for (NetworkJetTest.Features f : NetworkJetTest.Features.values()) {
                out.add(Arguments.of(type, f, false));
                out.add(Arguments.of(type, f, true));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} batched={2}")
    @MethodSource("cases")
    void forwardIsTheOutputLayerAppliedToHidden(String type, NetworkJetTest.Features f, boolean batched) {
        assertLinearHead(NetworkJetTest.spec(type, Activation.TANH, f), batched, 2);
    }

    @ParameterizedTest(name = "{0} box batched={1}")
    @MethodSource("boxCases")
    void boxInitialisedNetworksHaveALinearHeadToo(String type, boolean batched) {
        NetworkSpec spec = new NetworkSpec(type, 6, 3, List.of(6, 5), Activation.RELU, 0.1, Initializer.BOX,
                List.of(), false, null);
        assertLinearHead(spec, batched, 1);
    }

    static Stream<Arguments> boxCases() {
        return Stream.of(Arguments.of("mlp", false), Arguments.of("mlp", true), Arguments.of("residual", false),
                Arguments.of("residual", true));
    }

    @Test
    void anMlpWithoutHiddenLayersHasTheInputAsItsBasis() {
        NetworkSpec spec = new NetworkSpec("mlp", 0, 0, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                List.of(), false, null);
        assertLinearHead(spec, true, 2);
    }

    private static void assertLinearHead(NetworkSpec spec, boolean batched, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = NetworkJetTest.build(params, spec, D, out, 11, 0.3);
            int index = net.outputLayerIndex();
            assertThat(index).isEqualTo(params.list().size() - 2);
            assertThat(params.list().get(index).kind()).isEqualTo(Param.Kind.WEIGHT);
            assertThat(params.list().get(index + 1).kind()).isEqualTo(Param.Kind.BIAS);
            List<NDArray> p = batched ? perturbedBatch(params, new SplittableRandom(3)) : params.arrays();
            NDArray x = m.create(JetFd.points(new SplittableRandom(5), B, D, 0, 1), new Shape(B, D));
            Jet u = net.forward(Jet.input(x, 2), p, c);
            Jet h = net.hidden(Jet.input(x, 2), p, c);
            long w = params.list().get(index).array().getShape().get(0);
            int sets = batched ? P : 1;
            Shape value = batched ? new Shape(P, B, out) : new Shape(B, out);
            Shape derivative = batched ? new Shape(D, P, B, out) : new Shape(D, B, out);
            double[] weight = Tensors.toDoubles(p.get(index));
            double[] bias = Tensors.toDoubles(p.get(index + 1));
            Shape hv = batched ? new Shape(P, B, w) : new Shape(B, w);
            Shape hd = batched ? new Shape(D, P, B, w) : new Shape(D, B, w);
            assertClose(host(u.value(), value), head(host(h.value(), hv), weight, bias, 1, sets, w, out), "value");
            assertClose(host(u.grad(), derivative), head(host(h.grad(), hd), weight, null, D, sets, w, out), "d/dx");
            assertClose(host(u.hess(), derivative), head(host(h.hess(), hd), weight, null, D, sets, w, out), "d2/dx2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void anOutputActivationFollowsTheOutputLayerAndHidesIt(String type) {
        NetworkSpec linear = NetworkJetTest.spec(type, Activation.TANH, NetworkJetTest.Features.NONE);
        NetworkSpec activated = new NetworkSpec(linear.type(), linear.width(), linear.depth(), linear.layers(),
                linear.activation(), linear.rho(), linear.initializer(), linear.fourierExponents(),
                linear.fourierIncludeInput(), Activation.SMOOTH_ABS);
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = activated.build(params, D, 2, 9);
            assertThat(net.outputLayerIndex()).isEqualTo(-1);
            Parameters same = new Parameters(m, DataType.FLOAT64);
            Network plain = linear.build(same, D, 2, 9);
            assertThat(same.toFlat()).containsExactly(params.toFlat());
            NDArray x = m.create(JetFd.points(new SplittableRandom(5), B, D, 0, 1), new Shape(B, D));
            double[] u = Tensors.toDoubles(net.forward(Jet.input(x, 0), c).value());
            double[] z = Tensors.toDoubles(plain.forward(Jet.input(x, 0), c).value());
            double[] ref = new double[z.length];
            for (int i = 0; i < z.length; i++) {
                ref[i] = Math.sqrt(z[i] * z[i] + 0.1 * 0.1);
            }
            assertClose(u, ref, "smooth-abs output");
            assertClose(Tensors.toDoubles(net.hidden(Jet.input(x, 0), params.arrays(), c).value()),
                    Tensors.toDoubles(plain.hidden(Jet.input(x, 0), same.arrays(), c).value()), "hidden");
        }
    }

    static Stream<String> types() {
        return NetworkSpec.TYPES.stream();
    }

    /** P copies of the parameters plus N(0, 0.1^2) noise, weights [P, in, out], biases [P, 1, out]. */
    static List<NDArray> perturbedBatch(Parameters params, SplittableRandom rng) {
        List<NDArray> out = new ArrayList<>();
        for (Param q : params.list()) {
            double[] v = Tensors.toDoubles(q.array());
            double[] batch = new double[P * v.length];
            for (int k = 0; k < batch.length; k++) {
                batch[k] = v[k % v.length] + 0.1 * Initializer.gaussian(rng);
            }
            long[] s = q.array().getShape().getShape();
            Shape shape = s.length == 1 ? new Shape(P, 1, s[0]) : new Shape(P, s[0], s[1]);
            out.add(Tensors.create(params.manager(), batch, shape, DataType.FLOAT64));
        }
        return out;
    }

    /**
     * A jet component broadcast to its full shape (zeros when it is identically zero); a derivative
     * that does not depend on the parameter set (the input's own, [d, 1, d]) gets its P axis first.
     */
    static double[] host(NDArray a, Shape full) {
        if (a == null) {
            return new double[Math.toIntExact(full.size())];
        }
        NDArray lifted = a;
        while (full.dimension() == 4 && lifted.getShape().dimension() < 4) {
            lifted = lifted.expandDims(1);
        }
        return Tensors.toDoubles(lifted.broadcast(full));
    }

    /** y = h W (+ b) on the host for each of {@code lead} leading slices and each parameter set. */
    static double[] head(double[] h, double[] weight, double[] bias, int lead, int sets, long w, int out) {
        int rows = B;
        double[] y = new double[lead * sets * rows * out];
        for (int a = 0; a < lead; a++) {
            for (int s = 0; s < sets; s++) {
                for (int r = 0; r < rows; r++) {
                    int row = (a * sets + s) * rows + r;
                    for (int o = 0; o < out; o++) {
                        double acc = bias == null ? 0 : bias[s * out + o];
                        for (int i = 0; i < w; i++) {
                            acc += h[(int) (row * w + i)] * weight[(int) ((s * w + i) * out + o)];
                        }
                        y[row * out + o] = acc;
                    }
                }
            }
        }
        return y;
    }

    static void assertClose(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = 1;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(actual[i] - expected[i]));
        }
        assertThat(err / scale).as("%s: max error relative to %.3e", what, scale).isLessThanOrEqualTo(TOL);
    }
}
