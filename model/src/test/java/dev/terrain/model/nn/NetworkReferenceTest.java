package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.jet.JetFd;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Network values against an independent plain-Java implementation of the SPEC section 3.1 formulas,
 * reading the same parameters by name: FCNet (linear lift, then activated layers, output linear),
 * plain MLP, ResNet (L + sigma(W2 sigma(W1 L + b1) + b2)), modified MLP
 * (H_{k+1} = (1 - Z_k) U + Z_k V), paper 004's residual network (h = sigma(T_1 x), h += sigma(T_l h))
 * and Fourier features [x?, sin(2^i pi x), cos(2^i pi x)].
 * Tolerance 1e-12 relative to max(1, |u|), float64, three outputs, smooth-abs with rho = 0.3.
 */
class NetworkReferenceTest {
    static final double RHO = 0.3;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String type : NetworkSpec.TYPES) {
            for (NetworkJetTest.Features f : NetworkJetTest.Features.values()) {
                for (Activation a : Activation.values()) {
                    out.add(Arguments.of(type, f, a, type.length() % 2 == 0 ? 2 : 3));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} d={3}")
    @MethodSource("cases")
    void valueMatchesAPlainJavaImplementationOfTheFormulas(String type, NetworkJetTest.Features features,
            Activation act, int d) {
        NetworkSpec base = NetworkJetTest.spec(type, act, features);
        NetworkSpec spec = new NetworkSpec(base.type(), base.width(), base.depth(), base.layers(), act, RHO,
                base.initializer(), base.fourierExponents(), base.fourierIncludeInput(), null);
        int outDim = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = NetworkJetTest.build(params, spec, d, outDim, 77 + d, 0.3);
            assertThat(net.inputDim()).isEqualTo(d);
            assertThat(net.outputDim()).isEqualTo(outDim);
            int b = 7;
            double[] x = JetFd.points(new SplittableRandom(5), b, d, -1, 1);
            double[] u = Tensors.toDoubles(net.forward(Jet.input(m.create(x, new Shape(b, d)), 0), c).value());
            assertThat(u).hasSize(b * outDim);
            Map<String, double[]> p = new HashMap<>();
            for (Param q : params.list()) {
                p.put(q.name(), Tensors.toDoubles(q.array()));
            }
            for (int i = 0; i < b; i++) {
                double[] xi = new double[d];
                System.arraycopy(x, i * d, xi, 0, d);
                double[] ref = reference(spec, p, xi, outDim);
                for (int o = 0; o < outDim; o++) {
                    assertThat(u[i * outDim + o]).as("point %d output %d", i, o)
                            .isCloseTo(ref[o], org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, Math.abs(ref[o]))));
                }
            }
        }
    }

    static double[] reference(NetworkSpec spec, Map<String, double[]> p, double[] x, int outDim) {
        double[] f = features(spec, x);
        Activation a = spec.activation();
        switch (spec.type()) {
            case "mlp", "fcnet" -> {
                double[] h = f;
                int layers = 0;
                while (p.containsKey("layer" + layers + ".W")) {
                    layers++;
                }
                for (int i = 0; i < layers; i++) {
                    h = dense(p, "layer" + i, h);
                    boolean lift = spec.type().equals("fcnet") && i == 0;
                    if (i < layers - 1 && !lift) {
                        h = sigma(a, h);
                    }
                }
                return h;
            }
            case "resnet" -> {
                double[] l = dense(p, "input", f);
                for (int i = 0; i < spec.depth(); i++) {
                    double[] inner = sigma(a, dense(p, "block" + i + ".1", l));
                    double[] r = sigma(a, dense(p, "block" + i + ".2", inner));
                    for (int j = 0; j < l.length; j++) {
                        l[j] += r[j];
                    }
                }
                return dense(p, "output", l);
            }
            case "modified-mlp" -> {
                double[] u = sigma(a, dense(p, "encoderU", f));
                double[] v = sigma(a, dense(p, "encoderV", f));
                double[] h = sigma(a, dense(p, "hidden0", f));
                for (int k = 1; k <= spec.depth(); k++) {
                    double[] z = sigma(a, dense(p, "hidden" + k, h));
                    double[] next = new double[h.length];
                    for (int j = 0; j < h.length; j++) {
                        next[j] = (1 - z[j]) * u[j] + z[j] * v[j];
                    }
                    h = next;
                }
                return dense(p, "output", h);
            }
            case "residual" -> {
                double[] h = sigma(a, dense(p, "hidden0", f));
                for (int l = 1; l < spec.depth(); l++) {
                    double[] r = sigma(a, dense(p, "hidden" + l, h));
                    for (int j = 0; j < h.length; j++) {
                        h[j] += r[j];
                    }
                }
                return dense(p, "output", h);
            }
            default -> throw new AssertionError(spec.type());
        }
    }

    static double[] features(NetworkSpec spec, double[] x) {
        if (spec.fourierExponents().isEmpty()) {
            return x;
        }
        List<Double> f = new ArrayList<>();
        if (spec.fourierIncludeInput()) {
            for (double v : x) {
                f.add(v);
            }
        }
        for (int i : spec.fourierExponents()) {
            double w = Math.pow(2, i) * Math.PI;
            for (double v : x) {
                f.add(Math.sin(w * v));
            }
            for (double v : x) {
                f.add(Math.cos(w * v));
            }
        }
        return f.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double[] dense(Map<String, double[]> p, String layer, double[] x) {
        double[] w = p.get(layer + ".W");
        double[] b = p.get(layer + ".b");
        assertThat(w).as(layer + ".W").isNotNull();
        assertThat(w.length).as(layer + " fan-in").isEqualTo(x.length * b.length);
        double[] y = b.clone();
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                y[j] += x[i] * w[i * y.length + j];
            }
        }
        return y;
    }

    static double[] sigma(Activation a, double[] z) {
        double[] s = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            double v = z[i];
            s[i] = switch (a) {
                case TANH -> Math.tanh(v);
                case SWISH -> v / (1 + Math.exp(-v));
                case RELU -> Math.max(v, 0);
                case SIN -> Math.sin(v);
                case SMOOTH_ABS -> Math.sqrt(v * v + RHO * RHO);
            };
        }
        return s;
    }
}
