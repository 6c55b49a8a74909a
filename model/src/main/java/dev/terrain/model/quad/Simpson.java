package dev.terrain.model.quad;

/** Composite Simpson quadrature on a uniform grid (paper 000 uses it for every 1D integral). */
public final class Simpson {
    private Simpson() {}

    /**
     * Weights of n uniform points x_j = a + j h, h = (b - a)/(n - 1), exact for cubics. With an even
     * number of intervals this is the composite 1/3 rule; with an odd number the last three intervals
     * use Simpson's 3/8 rule, so any n >= 3 works (n = 200 as in paper 000 included).
     */
    public static double[] weights(int n, double a, double b) {
        if (n < 3) {
            throw new IllegalArgumentException("Simpson's rule needs at least 3 points, got " + n);
        }
        int intervals = n - 1;
        double h = (b - a) / intervals;
        double[] w = new double[n];
        int third = intervals % 2 == 0 ? intervals : intervals - 3;
        for (int j = 0; j < third; j += 2) {
            w[j] += h / 3;
            w[j + 1] += 4 * h / 3;
            w[j + 2] += h / 3;
        }
        if (third < intervals) {
            int j = third;
            w[j] += 3 * h / 8;
            w[j + 1] += 9 * h / 8;
            w[j + 2] += 9 * h / 8;
            w[j + 3] += 3 * h / 8;
        }
        return w;
    }

    /** The n uniform nodes from a to b inclusive. */
    public static double[] nodes(int n, double a, double b) {
        double[] x = new double[n];
        for (int j = 0; j < n; j++) {
            x[j] = j == n - 1 ? b : a + j * (b - a) / (n - 1);
        }
        return x;
    }
}
