package dev.terrain.model.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Layer initialisers. Values are drawn in Java from a seeded {@link SplittableRandom}, so a run is
 * reproducible across engines and devices. The Glorot and He rules draw weights and start biases at
 * zero; {@link #TORCH_DEFAULT} draws both; {@link #BOX} sets weights and biases together, knowing the
 * layer's place in the network.
 */
public enum Initializer {
    /** Glorot (Xavier) normal: N(0, 2 / (fan_in + fan_out)). */
    GLOROT_NORMAL("glorot-normal"),
    /** Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
    GLOROT_UNIFORM("glorot-uniform"),
    /** He normal: N(0, 2 / fan_in). */
    HE_NORMAL("he-normal"),
    /** He uniform: U(-a, a), a = sqrt(6 / fan_in). */
    HE_UNIFORM("he-uniform"),
    /**
     * PyTorch's default for {@code torch.nn.Linear} ({@code Linear.reset_parameters}): weights by
     * {@code kaiming_uniform_(a = sqrt(5))}, i.e. U(-a, a) with a = sqrt(6 / ((1 + 5) fan_in)) = 1 / sqrt(fan_in),
     * and biases U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)); both have variance 1 / (3 fan_in). For networks
     * ported from PyTorch code that keeps the default.
     */
    TORCH_DEFAULT("torch-default"),
    /**
     * Box initialisation of paper 004 (Algorithms 2 and 3, {@link BoxInit}) for network types
     * {@code mlp} and {@code residual} with inputs in [0, 1]^d: hidden units are ReLU cut planes
     * scattered over the box their input lives in; the linear output layer gets Glorot-uniform
     * weights and zero bias (the least-squares step of LSGD overwrites it).
     */
    BOX("box");

    private final String id;

    Initializer(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Initializer byId(String id) {
        String key = id.toLowerCase(Locale.ROOT);
        for (Initializer i : values()) {
            if (i.id.equals(key)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown initializer '" + id + "'; valid: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Initializer::id).collect(Collectors.joining(", "));
    }

    /** fanIn * fanOut weights for a layer, row-major [fanIn, fanOut]; not for {@link #BOX}. */
    public double[] weights(int fanIn, int fanOut, SplittableRandom rng) {
        double[] w = new double[fanIn * fanOut];
        switch (this) {
            case GLOROT_NORMAL -> fillNormal(w, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
            case GLOROT_UNIFORM -> fillUniform(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case HE_NORMAL -> fillNormal(w, Math.sqrt(2.0 / fanIn), rng);
            case HE_UNIFORM -> fillUniform(w, Math.sqrt(6.0 / fanIn), rng);
            case TORCH_DEFAULT -> fillUniform(w, 1 / Math.sqrt(fanIn), rng);
            case BOX -> throw new IllegalStateException(
                    "initializer box sets weights and biases per layer from the layer's place in the network; "
                            + "it draws no weights alone");
            default -> throw new AssertionError(this);
        }
        return w;
    }

    /**
     * fanOut biases for a layer, drawn after its weights: U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)) under
     * {@link #TORCH_DEFAULT}, zero under the Glorot and He rules; not for {@link #BOX}.
     */
    public double[] biases(int fanIn, int fanOut, SplittableRandom rng) {
        double[] b = new double[fanOut];
        if (this == TORCH_DEFAULT) {
            fillUniform(b, 1 / Math.sqrt(fanIn), rng);
        } else if (this == BOX) {
            throw new IllegalStateException("initializer box sets biases per layer from the layer's place in the network");
        }
        return b;
    }

    /** A layer with no box rule: this rule's weights, then its biases. Box rejects it. */
    public Affine layer(int fanIn, int fanOut, SplittableRandom rng) {
        if (this == BOX) {
            throw new IllegalArgumentException("initializer box applies to the hidden layers of network types "
                    + "mlp and residual only (paper 004 Algorithms 2, 3)");
        }
        double[] w = weights(fanIn, fanOut, rng);
        return new Affine(fanIn, fanOut, w, biases(fanIn, fanOut, rng));
    }

    /** A plain hidden layer sigma(x W + b) fed from [0, 1]^fanIn: Algorithm 2 under box. */
    public Affine plainHidden(int fanIn, int fanOut, SplittableRandom rng) {
        return this == BOX ? BoxInit.plain(fanIn, fanOut, rng) : layer(fanIn, fanOut, rng);
    }

    /** Residual layer l = 2..L (of L hidden layers) of paper 004's ResNet, eq. (5): Algorithm 3 under box. */
    public Affine residualHidden(int width, int l, int depth, SplittableRandom rng) {
        return this == BOX ? BoxInit.residual(width, l, depth, rng) : layer(width, width, rng);
    }

    /** The linear output layer; under box Glorot-uniform weights and zero bias. */
    public Affine output(int fanIn, int fanOut, SplittableRandom rng) {
        return (this == BOX ? GLOROT_UNIFORM : this).layer(fanIn, fanOut, rng);
    }

    private static void fillNormal(double[] w, double std, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = std * gaussian(rng);
        }
    }

    private static void fillUniform(double[] w, double a, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble(-a, a);
        }
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian on Java 17). */
    public static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
