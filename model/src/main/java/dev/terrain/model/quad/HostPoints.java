package dev.terrain.model.quad;

/**
 * Points and quadrature weights on the Java heap: {@code x} is row-major [n, d], {@code w} has n
 * entries summing to the measure of the region, so that sum_i w_i g(x_i) approximates the integral.
 */
public record HostPoints(int n, int dim, double[] x, double[] w) {
    public HostPoints {
        if (x.length != (long) n * dim || w.length != n) {
            throw new IllegalArgumentException("points: " + x.length + " coordinates and " + w.length
                    + " weights for n=" + n + ", d=" + dim);
        }
    }

    public double coordinate(int i, int k) {
        return x[i * dim + k];
    }

    /** Points {@code from..to-1} with their weights (copies). */
    public HostPoints slice(int from, int to) {
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("slice " + from + ".." + to + " of " + n + " points");
        }
        return new HostPoints(to - from, dim, java.util.Arrays.copyOfRange(x, from * dim, to * dim),
                java.util.Arrays.copyOfRange(w, from, to));
    }

    public double weightSum() {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        return s;
    }
}
