package dev.terrain.model.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Weight initialisers. Values are drawn in Java from a seeded {@link SplittableRandom}, so a run is
 * reproducible across engines and devices; biases start at zero.
 */
public enum Initializer {
    /** Glorot (Xavier) normal: N(0, 2 / (fan_in + fan_out)). */
    GLOROT_NORMAL("glorot-normal"),
    /** Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
    GLOROT_UNIFORM("glorot-uniform"),
    /** He normal: N(0, 2 / fan_in). */
    HE_NORMAL("he-normal"),
    /** He uniform: U(-a, a), a = sqrt(6 / fan_in). */
    HE_UNIFORM("he-uniform");

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

    /** fanIn * fanOut weights for a layer, row-major [fanIn, fanOut]. */
    public double[] weights(int fanIn, int fanOut, SplittableRandom rng) {
        double[] w = new double[fanIn * fanOut];
        switch (this) {
            case GLOROT_NORMAL -> fillNormal(w, Math.sqrt(2.0 / (fanIn + fanOut)), rng);
            case GLOROT_UNIFORM -> fillUniform(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case HE_NORMAL -> fillNormal(w, Math.sqrt(2.0 / fanIn), rng);
            case HE_UNIFORM -> fillUniform(w, Math.sqrt(6.0 / fanIn), rng);
            default -> throw new AssertionError(this);
        }
        return w;
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
