package dev.terrain.model.probe;

import dev.terrain.model.nn.Parameters;
import dev.terrain.model.probe.Directions.BiasMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Roughness Index, Algorithm 1 of paper 000 (section II.E, eqs. (5)-(6)): M directions d_i, i.i.d.
 * standard Gaussian and filter-wise normalised; on the grid s_j = -l + j 2l/m, j = 0..m,
 * T_i = (1/(2l)) sum_j |J(theta + s_j d_i) - J(theta + s_{j+1} d_i)| / (J_max^i - J_min^i), and
 * RI = std(T) / mean(T).
 *
 * <p>std is the sample standard deviation (ddof = 1), as in the paper's public reference script
 * (wukekever/landscapes): it is the unbiased estimate of the spread over directions from M samples,
 * which is what eq. (6)'s std_d means. Directions along which a loss is non-finite, or along which J
 * is constant (T is 0/0), are excluded and reported, never turned into a NaN RI. All M(m+1) losses are
 * evaluated by {@link BatchedLoss}.
 */
public final class RoughnessIndex {
    /** Settings of one RI computation; {@code groups} empty = all parameters. */
    public record Settings(int directions, int intervals, double halfWidth, long seed, BiasMode biasMode,
            Set<String> groups) {
        public Settings {
            if (directions < 2) {
                throw new IllegalArgumentException("RI needs M >= 2 directions, got M = " + directions);
            }
            if (intervals < 1) {
                throw new IllegalArgumentException("RI needs m >= 1 intervals, got m = " + intervals);
            }
            if (!(halfWidth > 0) || !Double.isFinite(halfWidth)) {
                throw new IllegalArgumentException("RI needs a positive interval half-width l, got l = " + halfWidth);
            }
            groups = Set.copyOf(groups);
        }
    }

    /** The index, its ingredients and what was left out. */
    public record Result(double ri, double meanT, double stdT, double[] t, int directions, int intervals,
            double halfWidth, long seed, BiasMode biasMode, Set<String> groups, double lossAtTheta,
            List<Integer> nonFiniteDirections, List<Integer> flatDirections, double wallSeconds) {}

    private RoughnessIndex() {}

    public static Result compute(BatchedLoss loss, Parameters params, Settings s) {
        long start = System.nanoTime();
        double[] theta = params.toFlat();
        SplittableRandom rng = new SplittableRandom(s.seed());
        int m = s.intervals();
        double l = s.halfWidth();
        double[][] dirs = new double[s.directions()][];
        for (int i = 0; i < dirs.length; i++) {
            dirs[i] = Directions.filterNormalised(params.list(), theta, s.biasMode(), s.groups(), rng);
        }
        int count = s.directions() * (m + 1);
        // Row k is theta + s_j d_i with i = k / (m + 1), j = k % (m + 1); the last row is theta itself.
        double[] j = loss.evaluate(count + 1, (k, row) -> {
            if (k == count) {
                System.arraycopy(theta, 0, row, 0, theta.length);
                return;
            }
            double[] d = dirs[k / (m + 1)];
            double sj = -l + (k % (m + 1)) * 2 * l / m;
            for (int q = 0; q < row.length; q++) {
                row[q] = theta[q] + sj * d[q];
            }
        });
        List<Double> ts = new ArrayList<>();
        List<Integer> nonFinite = new ArrayList<>();
        List<Integer> flat = new ArrayList<>();
        for (int i = 0; i < s.directions(); i++) {
            double t = normalisedVariation(j, i * (m + 1), m, l);
            if (Double.isNaN(t)) {
                nonFinite.add(i);
            } else if (Double.isInfinite(t)) {
                flat.add(i);
            } else {
                ts.add(t);
            }
        }
        double[] t = ts.stream().mapToDouble(Double::doubleValue).toArray();
        double mean = mean(t);
        double std = sampleStd(t, mean);
        double ri = t.length >= 2 ? std / mean : Double.NaN;
        return new Result(ri, mean, std, t, s.directions(), m, l, s.seed(), s.biasMode(), s.groups(),
                j[j.length - 1], nonFinite, flat, (System.nanoTime() - start) / 1e9);
    }

    /**
     * T of eq. (5) on the grid: (1/(2l)) sum |dJ| / (max J - min J). NaN when a loss is not finite,
     * +infinity when J is constant along the direction.
     */
    static double normalisedVariation(double[] j, int from, int m, double l) {
        double tv = 0;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= m; k++) {
            double v = j[from + k];
            if (!Double.isFinite(v)) {
                return Double.NaN;
            }
            max = Math.max(max, v);
            min = Math.min(min, v);
            if (k > 0) {
                tv += Math.abs(v - j[from + k - 1]);
            }
        }
        double range = max - min;
        return range == 0 ? Double.POSITIVE_INFINITY : tv / range / (2 * l);
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return x.length == 0 ? Double.NaN : s / x.length;
    }

    static double sampleStd(double[] x, double mean) {
        if (x.length < 2) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : x) {
            s += (v - mean) * (v - mean);
        }
        return Math.sqrt(s / (x.length - 1));
    }
}
