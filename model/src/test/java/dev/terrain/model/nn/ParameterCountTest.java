package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parameter counts by formula (SPEC section 3.1). ResNet with N blocks and FCNet with 2N activated
 * layers: 2N w^2 + (d + 2N + 2) w + 1, where d is the network's input width (d, or the Fourier
 * feature width d (2 |i| + [x included])). Modified MLP with L gated layers:
 * 3 (f w + w) + L (w^2 + w) + (w + 1) out. Plain MLP: sum over layers of (in + 1) out. Paper 004's
 * residual network with L hidden layers: d w + w + (L - 1)(w^2 + w) + w out + out.
 */
class ParameterCountTest {
    static long count(NetworkSpec spec, int d, int out) {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, DataType.FLOAT64);
            spec.build(params, d, out, 1);
            long n = 0;
            for (Param p : params.list()) {
                n += p.array().getShape().size();
            }
            assertThat(params.count()).isEqualTo(n);
            assertThat(params.toFlat()).hasSize((int) n);
            return n;
        }
    }

    static NetworkSpec spec(String type, int w, int depth, List<Integer> layers, List<Integer> fourier, boolean x) {
        return new NetworkSpec(type, w, depth, layers, Activation.TANH, 0.1, Initializer.GLOROT_NORMAL, fourier, x,
                null);
    }

    @ParameterizedTest(name = "N={0} w={1} d={2}")
    @CsvSource({"1, 4, 1", "1, 10, 1", "2, 4, 3", "3, 20, 10", "1, 50, 2", "4, 7, 5"})
    void resnetAndFcnetCount2Nw2PlusDPlus2NPlus2TimesWPlus1(int n, int w, int d) {
        long formula = 2L * n * w * w + (long) (d + 2 * n + 2) * w + 1;
        assertThat(count(spec("resnet", w, n, List.of(), List.of(), false), d, 1)).isEqualTo(formula);
        assertThat(count(spec("fcnet", w, n, List.of(), List.of(), false), d, 1)).isEqualTo(formula);
        // Fourier features widen the first layer's input only: d becomes d (2 |i| + 1) with x included.
        int f = d * (2 * 2 + 1);
        long withFeatures = 2L * n * w * w + (long) (f + 2 * n + 2) * w + 1;
        assertThat(count(spec("resnet", w, n, List.of(), List.of(0, 3), true), d, 1)).isEqualTo(withFeatures);
        assertThat(count(spec("fcnet", w, n, List.of(), List.of(0, 3), true), d, 1)).isEqualTo(withFeatures);
    }

    @ParameterizedTest(name = "L={0} w={1} d={2} out={3}")
    @CsvSource({"1, 4, 1, 1", "2, 8, 2, 1", "4, 50, 2, 1", "3, 5, 10, 3"})
    void modifiedMlpCount(int depth, int w, int d, int out) {
        long formula = 3L * (d * w + w) + (long) depth * (w * w + w) + (long) (w + 1) * out;
        assertThat(count(spec("modified-mlp", w, depth, List.of(), List.of(), false), d, out)).isEqualTo(formula);
        int f = d * 2;
        long withFeatures = 3L * (f * w + w) + (long) depth * (w * w + w) + (long) (w + 1) * out;
        assertThat(count(spec("modified-mlp", w, depth, List.of(), List.of(2), false), d, out)).isEqualTo(withFeatures);
    }

    @ParameterizedTest(name = "d={0} out={1}")
    @CsvSource({"1, 1", "2, 1", "3, 4", "10, 2"})
    void mlpCount(int d, int out) {
        // [d, 50, 50, 50, out], paper 001's plain MLP.
        long formula = (d + 1) * 50L + 2 * 51L * 50 + 51L * out;
        assertThat(count(spec("mlp", 0, 0, List.of(50, 50, 50), List.of(), false), d, out)).isEqualTo(formula);
        long twoLayers = (d + 1) * 7L + 8L * 3 + 4L * out;
        assertThat(count(spec("mlp", 0, 0, List.of(7, 3), List.of(), false), d, out)).isEqualTo(twoLayers);
    }

    @ParameterizedTest(name = "L={0} w={1} d={2} out={3}")
    @CsvSource({"1, 4, 1, 1", "2, 8, 2, 1", "5, 6, 3, 2", "64, 8, 1, 1", "3, 20, 10, 4"})
    void residualCount(int depth, int w, int d, int out) {
        long formula = (long) d * w + w + (long) (depth - 1) * (w * w + w) + (long) w * out + out;
        NetworkSpec spec = spec("residual", w, depth, List.of(), List.of(), false);
        assertThat(count(spec, d, out)).isEqualTo(formula);
        NetworkSpec box = new NetworkSpec("residual", w, depth, List.of(), Activation.RELU, 0.1, Initializer.BOX,
                List.of(), false, null);
        assertThat(count(box, d, out)).isEqualTo(formula);
        int f = d * (2 + 1);
        long withFeatures = (long) f * w + w + (long) (depth - 1) * (w * w + w) + (long) w * out + out;
        assertThat(count(spec("residual", w, depth, List.of(), List.of(1), true), d, out)).isEqualTo(withFeatures);
    }
}
