package dev.terrain.model.probe;

import dev.terrain.model.nn.Parameters;
import dev.terrain.model.probe.Directions.BiasMode;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The 2D loss surface of paper 000 (section III, Fig. 3; the visualisation of Li et al. with filter-wise
 * normalisation): J(theta + a d1 + b d2) on an n1 x n2 grid of (a, b) in [-span, span]^2, where d1 and
 * d2 are two filter-normalised Gaussian directions ({@link Directions#filterNormalised}) drawn in this
 * order from one {@link SplittableRandom} seeded with {@code seed}, over all parameters. The paper draws
 * its Fig. 3 as a contour plot with exactly eight isolines at equal gaps between the minimum and maximum
 * of the grid.
 *
 * <p>Grid point (i, j) is a_i = -span + i 2 span/(n1 - 1), b_j = -span + j 2 span/(n2 - 1), so an odd
 * n holds theta's own coordinate 0 exactly. All n1 n2 losses (and J(theta)) are evaluated by
 * {@link BatchedLoss} on the batch it was built with. Non-finite losses stay in the grid as they are and
 * are counted; min and max are over the finite values (NaN when there are none).
 */
public final class LossSurface {
    /** Grid size n1 x n2 (a along d1, b along d2), half-width {@code span}, direction seed and bias mode. */
    public record Settings(int n1, int n2, double span, long seed, BiasMode biasMode) {
        public Settings {
            if (n1 < 2) {
                throw new IllegalArgumentException("loss surface needs n1 >= 2 grid points along d1, got n1 = " + n1);
            }
            if (n2 < 2) {
                throw new IllegalArgumentException("loss surface needs n2 >= 2 grid points along d2, got n2 = " + n2);
            }
            if (!(span > 0) || !Double.isFinite(span)) {
                throw new IllegalArgumentException("loss surface needs a positive finite span, got span = " + span);
            }
            if ((long) n1 * n2 > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("loss surface grid too large: n1 x n2 = " + n1 + " x " + n2);
            }
            if (biasMode == null) {
                throw new IllegalArgumentException("loss surface needs a bias mode (zero or copy), got null");
            }
        }

        /** Paper-like defaults: 51 x 51 on [-1, 1]^2, bias mode zero. */
        public static Settings defaults(long seed) {
            return new Settings(51, 51, 1.0, seed, BiasMode.ZERO);
        }
    }

    /**
     * The surface: {@code loss[i][j]} = J(theta + a[i] d1 + b[j] d2). {@code min}/{@code max} are over the
     * finite cells, {@code nonFiniteCount} counts the others.
     */
    public record Result(double[] a, double[] b, double[][] loss, double lossAtTheta, double min, double max,
            int nonFiniteCount, Settings settings, double wallSeconds) {}

    private LossSurface() {}

    /** The two directions d1, d2 that {@link #compute} uses for these settings, as flat vectors. */
    public static double[][] directions(Parameters params, Settings s) {
        double[] theta = params.toFlat();
        SplittableRandom rng = new SplittableRandom(s.seed());
        double[] d1 = Directions.filterNormalised(params.list(), theta, s.biasMode(), Set.of(), rng);
        double[] d2 = Directions.filterNormalised(params.list(), theta, s.biasMode(), Set.of(), rng);
        return new double[][] {d1, d2};
    }

    /** The grid coordinates -span + i 2 span/(n - 1), i = 0..n-1 (0 exactly at the centre of odd n). */
    public static double[] axis(int n, double span) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            // Symmetric formula so that x[i] = -x[n-1-i] exactly and the middle of odd n is 0.
            x[i] = span * (2.0 * i - (n - 1)) / (n - 1);
        }
        return x;
    }

    public static Result compute(BatchedLoss loss, Parameters params, Settings s) {
        long start = System.nanoTime();
        double[] theta = params.toFlat();
        double[][] d = directions(params, s);
        double[] d1 = d[0];
        double[] d2 = d[1];
        double[] a = axis(s.n1(), s.span());
        double[] b = axis(s.n2(), s.span());
        int n2 = s.n2();
        int count = s.n1() * n2;
        // Row k is grid point (i, j) = (k / n2, k % n2); the last row is theta itself.
        double[] j = loss.evaluate(count + 1, (k, row) -> {
            if (k == count) {
                System.arraycopy(theta, 0, row, 0, theta.length);
                return;
            }
            double ai = a[k / n2];
            double bj = b[k % n2];
            for (int q = 0; q < row.length; q++) {
                row[q] = theta[q] + ai * d1[q] + bj * d2[q];
            }
        });
        double[][] grid = new double[s.n1()][n2];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int nonFinite = 0;
        for (int k = 0; k < count; k++) {
            double v = j[k];
            grid[k / n2][k % n2] = v;
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            } else {
                nonFinite++;
            }
        }
        if (nonFinite == count) {
            min = Double.NaN;
            max = Double.NaN;
        }
        return new Result(a, b, grid, j[count], min, max, nonFinite, s, (System.nanoTime() - start) / 1e9);
    }
}
