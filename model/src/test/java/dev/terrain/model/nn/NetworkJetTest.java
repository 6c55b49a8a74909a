package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.JetFd;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The jets of whole networks (mlp, fcnet, resnet, modified-mlp, residual; without Fourier features, with
 * paper 003's features [sin, cos](2^i pi x) for i = 0, 1, and with the 2D form [x, sin, cos] for
 * i = 1) for every activation and d = 1, 2, 3, 10, against central finite differences of the network's
 * order-0 value in float64 ({@link JetFd}: fourth-order stencils with Richardson extrapolation,
 * h = 1e-3, or 5e-4 with Fourier features, whose frequencies up to 2 pi make the FD truncation error
 * of smooth-abs networks reach 1e-7 at h = 1e-3).
 *
 * <p>Tolerances, relative to the largest magnitude of the quantity over the batch: the order-2 jet's
 * value equals the order-0 value to 1e-14; each d/dx_k to {@value #TOL_D1}; each d^2/dx_k^2 and the
 * Laplacian to {@value #TOL_D2}. ReLU networks are piecewise smooth: (point, direction) pairs whose
 * stencil crosses a kink are detected (the h and h/2 estimates disagree) and skipped, at most a quarter
 * of them; everywhere else first and second derivatives must match as well.
 *
 * <p>Parameters are the initializer's draw plus N(0, 0.3^2) noise on every entry, so biases are not
 * zero and the networks are not odd functions.
 */
class NetworkJetTest {
    static final double TOL_D1 = 1e-7;
    static final double TOL_D2 = 1e-6;

    enum Features {
        NONE(List.of(), false), SIN_COS(List.of(0, 1), false), WITH_INPUT(List.of(1), true);

        final List<Integer> exponents;
        final boolean includeInput;

        Features(List<Integer> exponents, boolean includeInput) {
            this.exponents = exponents;
            this.includeInput = includeInput;
        }
    }

    static NetworkSpec spec(String type, Activation act, Features f) {
        return switch (type) {
            case "mlp" -> new NetworkSpec("mlp", 0, 0, List.of(6, 5), act, 0.1, Initializer.GLOROT_NORMAL,
                    f.exponents, f.includeInput, null);
            case "fcnet" -> new NetworkSpec("fcnet", 5, 1, List.of(), act, 0.1, Initializer.GLOROT_NORMAL,
                    f.exponents, f.includeInput, null);
            case "resnet" -> new NetworkSpec("resnet", 5, 2, List.of(), act, 0.1, Initializer.GLOROT_NORMAL,
                    f.exponents, f.includeInput, null);
            case "modified-mlp" -> new NetworkSpec("modified-mlp", 5, 2, List.of(), act, 0.1,
                    Initializer.GLOROT_NORMAL, f.exponents, f.includeInput, null);
            case "residual" -> new NetworkSpec("residual", 5, 3, List.of(), act, 0.1, Initializer.GLOROT_NORMAL,
                    f.exponents, f.includeInput, null);
            default -> throw new IllegalArgumentException(type);
        };
    }

    /** Builds the network and adds N(0, noise^2) to every parameter. */
    static Network build(Parameters params, NetworkSpec spec, int d, int out, long seed, double noise) {
        Network net = spec.build(params, d, out, seed);
        double[] flat = params.toFlat();
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5eedL);
        for (int i = 0; i < flat.length; i++) {
            flat[i] += noise * Initializer.gaussian(rng);
        }
        params.load(flat);
        return net;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String type : NetworkSpec.TYPES) {
            for (Features f : Features.values()) {
                for (Activation a : Activation.values()) {
                    for (int d : new int[] {1, 2, 3, 10}) {
                        out.add(Arguments.of(type, f, a, d));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} d={3}")
    @MethodSource("cases")
    void networkJetMatchesFiniteDifferences(String type, Features features, Activation act, int d) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            long seed = 31L * d + 7L * act.ordinal() + 3L * features.ordinal() + type.length();
            Network net = build(params, spec(type, act, features), d, 1, seed, 0.3);
            int b = 4;
            double[] x = JetFd.points(new SplittableRandom(seed), b, d, -1, 1);
            boolean kinks = act == Activation.RELU;
            double h = features == Features.NONE ? 1e-3 : 5e-4;
            JetFd.Errors e = JetFd.compare(m, j -> net.forward(j, c), x, b, d, kinks, h);
            assertThat(e.value()).as("value %s", e).isLessThanOrEqualTo(1e-14);
            assertThat(e.d1()).as("d/dx_k %s", e).isLessThanOrEqualTo(TOL_D1);
            assertThat(e.d2()).as("d2/dx_k2 %s", e).isLessThanOrEqualTo(TOL_D2);
            assertThat(e.laplacian()).as("laplacian %s", e).isLessThanOrEqualTo(TOL_D2);
            assertThat(e.skipped()).as("stencils crossing a kink %s", e).isLessThanOrEqualTo(e.checked() / 4);
        }
    }
}
