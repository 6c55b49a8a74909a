package dev.terrain.model.probe;

import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Param;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random directions in parameter space with filter-wise normalisation (Li et al., as used by paper 000
 * section II.D): d ~ N(0, I); each filter of a weight (one output unit, a column of our [in, out]
 * layout, a row of PyTorch's [out, in]) is scaled to the norm of the same filter of theta. One-dimensional
 * parameters (biases) are zeroed ({@link BiasMode#ZERO}, the default) or set equal to theta's values
 * ({@link BiasMode#COPY}), the two passes of the paper's reference script.
 */
public final class Directions {
    /** What a direction does on one-dimensional parameters. */
    public enum BiasMode {
        ZERO, COPY;

        public static BiasMode byId(String id) {
            return switch (id.toLowerCase(Locale.ROOT)) {
                case "zero" -> ZERO;
                case "copy" -> COPY;
                default -> throw new IllegalArgumentException("unknown bias mode '" + id + "'; valid: zero, copy");
            };
        }
    }

    private Directions() {}

    /**
     * One filter-normalised Gaussian direction, as a flat vector in {@link dev.terrain.model.nn.Parameters}
     * order. Parameters outside {@code groups} (when not empty) get a zero direction.
     */
    public static double[] filterNormalised(List<Param> params, double[] theta, BiasMode biasMode,
            Set<String> groups, SplittableRandom rng) {
        double[] d = new double[theta.length];
        int at = 0;
        for (Param p : params) {
            int n = Math.toIntExact(p.size());
            long[] shape = p.array().getShape().getShape();
            boolean selected = groups.isEmpty() || groups.contains(p.group());
            if (shape.length == 1) {
                for (int i = 0; i < n; i++) {
                    d[at + i] = selected && biasMode == BiasMode.COPY ? theta[at + i] : 0.0;
                }
            } else {
                int cols = (int) shape[shape.length - 1];
                int rows = n / cols;
                for (int i = 0; i < n; i++) {
                    d[at + i] = selected ? Initializer.gaussian(rng) : 0.0;
                }
                for (int j = 0; j < cols && selected; j++) {
                    double dn = 0;
                    double tn = 0;
                    for (int r = 0; r < rows; r++) {
                        int k = at + r * cols + j;
                        dn += d[k] * d[k];
                        tn += theta[k] * theta[k];
                    }
                    double scale = dn == 0 ? 0 : Math.sqrt(tn / dn);
                    for (int r = 0; r < rows; r++) {
                        d[at + r * cols + j] *= scale;
                    }
                }
            }
            at += n;
        }
        return d;
    }
}
