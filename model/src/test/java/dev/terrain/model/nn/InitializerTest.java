package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.tensor.Tensors;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Initializer statistics on a 300 x 200 layer (60 000 draws): the sample variance is within 3 % of
 * the formula (Glorot 2 / (fan_in + fan_out), He 2 / fan_in, torch-default 1 / (3 fan_in); the standard error of the variance is
 * 0.6 % for a normal and 0.4 % for a uniform sample, so 3 % is five standard errors), the mean within
 * five standard errors of 0, the kurtosis within 0.1 of 3 (normal) or 1.8 (uniform; standard error
 * 0.02), uniform draws inside (-a, a) and reaching 0.99 a. Networks built from a seed are reproducible
 * bit for bit and differ between seeds; biases start at zero, except under torch-default, which draws
 * them as it draws the weights (checked on the 300 biases of a [200 -> 300] layer: the standard error of
 * their variance is sqrt(0.8 / 300) = 5.2 %, so the tolerance there is 20 %).
 */
class InitializerTest {
    static final int FAN_IN = 300;
    static final int FAN_OUT = 200;

    static double expectedVariance(Initializer init, int fanIn, int fanOut) {
        return switch (init) {
            case GLOROT_NORMAL, GLOROT_UNIFORM -> 2.0 / (fanIn + fanOut);
            case HE_NORMAL, HE_UNIFORM -> 2.0 / fanIn;
            case TORCH_DEFAULT -> 1.0 / (3 * fanIn);
            case BOX -> throw new IllegalArgumentException("box has no weight variance formula");
        };
    }

    static boolean uniform(Initializer init) {
        return init == Initializer.GLOROT_UNIFORM || init == Initializer.HE_UNIFORM || init == Initializer.TORCH_DEFAULT;
    }

    static void assertMoments(Initializer init, double[] w, int fanIn, int fanOut) {
        int n = w.length;
        double mean = 0;
        for (double v : w) {
            mean += v;
        }
        mean /= n;
        double m2 = 0;
        double m4 = 0;
        for (double v : w) {
            double e = v - mean;
            m2 += e * e;
            m4 += e * e * e * e;
        }
        m2 /= n;
        m4 /= n;
        double sigma2 = expectedVariance(init, fanIn, fanOut);
        assertThat(m2 / sigma2).as("%s variance / formula", init).isBetween(0.97, 1.03);
        assertThat(Math.abs(mean)).as("%s mean", init).isLessThan(5 * Math.sqrt(sigma2 / n));
        double kurtosis = m4 / (m2 * m2);
        if (uniform(init)) {
            assertThat(kurtosis).as("%s kurtosis", init).isBetween(1.75, 1.85);
            double a = Math.sqrt(3 * sigma2);
            double max = 0;
            for (double v : w) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo(a);
                max = Math.max(max, Math.abs(v));
            }
            assertThat(max).isGreaterThan(0.99 * a);
        } else {
            assertThat(kurtosis).as("%s kurtosis", init).isBetween(2.9, 3.1);
            int inside = 0;
            for (double v : w) {
                inside += Math.abs(v) < Math.sqrt(sigma2) ? 1 : 0;
            }
            // P(|Z| < 1) = 0.6827; standard error 0.0019.
            assertThat(inside / (double) n).as("%s mass within one sigma", init).isBetween(0.673, 0.692);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Initializer.class, mode = EnumSource.Mode.EXCLUDE, names = "BOX")
    void sampleMomentsMatchTheFormula(Initializer init) {
        double[] w = init.weights(FAN_IN, FAN_OUT, new SplittableRandom(42));
        assertThat(w).hasSize(FAN_IN * FAN_OUT);
        assertMoments(init, w, FAN_IN, FAN_OUT);
        // Same seed, same draw; another seed, another draw.
        assertThat(init.weights(FAN_IN, FAN_OUT, new SplittableRandom(42))).containsExactly(w);
        double[] other = init.weights(FAN_IN, FAN_OUT, new SplittableRandom(43));
        int same = 0;
        for (int i = 0; i < w.length; i++) {
            same += w[i] == other[i] ? 1 : 0;
        }
        assertThat(same).isZero();
    }

    /** A network layer is drawn with that layer's own fans: [200 -> 300] in an MLP, He normal. */
    @ParameterizedTest
    @EnumSource(value = Initializer.class, mode = EnumSource.Mode.EXCLUDE, names = {"BOX", "TORCH_DEFAULT"})
    void networkLayersUseTheirOwnFanInAndFanOut(Initializer init) {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, DataType.FLOAT64);
            new NetworkSpec("mlp", 0, 0, List.of(300), Activation.TANH, 0.1, init, List.of(), false, null)
                    .build(params, 200, 1, 5);
            Param first = params.list().get(0);
            assertThat(first.name()).isEqualTo("layer0.W");
            assertThat(first.array().getShape().getShape()).containsExactly(200L, 300L);
            assertMoments(init, Tensors.toDoubles(first.array()), 200, 300);
            for (Param p : params.list()) {
                if (p.kind() == Param.Kind.BIAS) {
                    assertThat(Tensors.toDoubles(p.array())).as(p.name()).containsOnly(0.0);
                }
            }
        }
    }

    /**
     * torch.nn.Linear's default on a [200 -> 300] MLP layer: weights and biases inside ±1/sqrt(200), both
     * with variance 1 / (3 * 200); biases drawn, not zero; the same seed gives the same network.
     */
    @Test
    void torchDefaultDrawsWeightsAndBiasesWithinOneOverRootFanIn() {
        int fanIn = 200;
        int fanOut = 300;
        double bound = 1 / Math.sqrt(fanIn);
        double variance = 1.0 / (3 * fanIn);
        NetworkSpec spec = new NetworkSpec("mlp", 0, 0, List.of(fanOut), Activation.TANH, 0.1,
                Initializer.TORCH_DEFAULT, List.of(), false, null);
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, DataType.FLOAT64);
            spec.build(params, fanIn, 1, 5);
            Param w = params.list().get(0);
            Param b = params.list().get(1);
            assertThat(w.name()).isEqualTo("layer0.W");
            assertThat(b.name()).isEqualTo("layer0.b");
            double[] weights = Tensors.toDoubles(w.array());
            double[] biases = Tensors.toDoubles(b.array());
            assertThat(weights).hasSize(fanIn * fanOut);
            assertThat(biases).hasSize(fanOut);
            assertThat(maxAbs(weights)).isLessThan(bound);
            assertThat(maxAbs(biases)).isLessThan(bound);
            assertThat(sampleVariance(weights) / variance).as("weight variance / 1/(3 fan_in)").isBetween(0.95, 1.05);
            assertThat(Arrays.stream(biases).filter(v -> v != 0).count()).as("nonzero biases").isEqualTo(fanOut);
            assertThat(sampleVariance(biases) / variance).as("bias variance / 1/(3 fan_in)").isBetween(0.8, 1.2);
            // The output layer [300 -> 1] draws its bias with its own fan_in 300.
            double[] outputBias = Tensors.toDoubles(params.list().get(3).array());
            assertThat(outputBias).hasSize(1);
            assertThat(Math.abs(outputBias[0])).isPositive().isLessThan(1 / Math.sqrt(fanOut));
            assertThat(flat(spec, m, fanIn, 5)).containsExactly(params.toFlat());
        }
    }

    /** Every network type draws every layer's weights and biases from that layer's fan_in under torch-default. */
    @Test
    void torchDefaultDrawsTheBiasesOfEveryNetworkType() {
        for (String type : NetworkSpec.TYPES) {
            NetworkSpec spec = new NetworkSpec(type, 16, 2, List.of(16, 16), Activation.TANH, 0.1,
                    Initializer.TORCH_DEFAULT, List.of(1), true, null);
            try (NDManager m = NDManager.newBaseManager()) {
                Parameters params = new Parameters(m, DataType.FLOAT64);
                spec.build(params, 2, 1, 3);
                Map<String, Long> fanIn = new HashMap<>();
                for (Param p : params.list()) {
                    if (p.kind() == Param.Kind.WEIGHT) {
                        fanIn.put(p.group(), p.array().getShape().get(0));
                    }
                }
                for (Param p : params.list()) {
                    double bound = 1 / Math.sqrt(fanIn.get(p.group()));
                    double[] v = Tensors.toDoubles(p.array());
                    assertThat(maxAbs(v)).as(type + " " + p.name() + " max |v|").isLessThan(bound);
                    assertThat(Arrays.stream(v).filter(x -> x == 0).count()).as(type + " " + p.name() + " zeros").isZero();
                }
            }
        }
    }

    /** The biases alone: 60 000 draws in ±1/sqrt(fan_in) with variance 1 / (3 fan_in) within 3 %. */
    @Test
    void torchDefaultBiasesHaveTheWeightsDistribution() {
        double[] b = Initializer.TORCH_DEFAULT.biases(FAN_IN, FAN_IN * FAN_OUT, new SplittableRandom(42));
        assertMoments(Initializer.TORCH_DEFAULT, b, FAN_IN, FAN_OUT);
        assertThat(Initializer.HE_NORMAL.biases(FAN_IN, FAN_OUT, new SplittableRandom(42))).containsOnly(0.0);
    }

    private static double maxAbs(double[] v) {
        return Arrays.stream(v).map(Math::abs).max().orElseThrow();
    }

    private static double sampleVariance(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow();
        return Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
    }

    @Test
    void networksAreReproducibleFromTheirSeed() {
        for (String type : NetworkSpec.TYPES) {
            NetworkSpec spec = new NetworkSpec(type, 6, 2, List.of(6, 6), Activation.TANH, 0.1,
                    Initializer.GLOROT_NORMAL, List.of(1), true, null);
            try (NDManager m = NDManager.newBaseManager()) {
                double[] a = flat(spec, m, 7);
                double[] b = flat(spec, m, 7);
                double[] c = flat(spec, m, 8);
                assertThat(b).as(type).containsExactly(a);
                int nonzero = 0;
                int differ = 0;
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != 0) {
                        nonzero++;
                        differ += a[i] != c[i] ? 1 : 0;
                    }
                }
                assertThat(nonzero).as(type + " weights drawn").isGreaterThan(a.length / 2);
                assertThat(differ).as(type + " another seed, other weights").isEqualTo(nonzero);
            }
        }
    }

    private static double[] flat(NetworkSpec spec, NDManager m, long seed) {
        return flat(spec, m, 3, seed);
    }

    private static double[] flat(NetworkSpec spec, NDManager m, int inputDim, long seed) {
        Parameters p = new Parameters(m, DataType.FLOAT64);
        spec.build(p, inputDim, 1, seed);
        return p.toFlat();
    }

    @Test
    void initializersAreFoundByIdAndUnknownNamesListTheValidOnes() {
        assertThat(Initializer.byId("He-Uniform")).isEqualTo(Initializer.HE_UNIFORM);
        assertThatThrownBy(() -> Initializer.byId("lecun"))
                .hasMessageContaining("lecun")
                .hasMessageContaining("glorot-normal, glorot-uniform, he-normal, he-uniform, torch-default, box");
        assertThat(Initializer.byId("box")).isEqualTo(Initializer.BOX);
        assertThat(Initializer.byId("torch-default")).isEqualTo(Initializer.TORCH_DEFAULT);
    }
}
