package dev.terrain.model.jet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.tensor.Tensors;
import java.util.function.Function;

/**
 * Checks a jet-valued function of the input against central finite differences of its value
 * (order-0 jet) at shifted inputs, in float64.
 *
 * <p>Stencils (fourth order, steps {@link #H} = 1e-3 and h/2):
 * E1(h) = (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / (12 h),
 * E2(h) = (-f(-2h) + 16 f(-h) - 30 f(0) + 16 f(h) - f(2h)) / (12 h^2), with truncation errors
 * C h^4; the reference is the Richardson combination (16 E(h/2) - E(h)) / 15, whose truncation error
 * is O(h^6) (about 1e-18 f^(7)) and whose rounding error is about 3e-9 |f| for f''. The two steps also
 * flag points where a ReLU kink lies inside the stencil (E(h) and E(h/2) then disagree by far more
 * than their error).
 *
 * <p>Every error is reported relative to the largest magnitude of the finite-difference estimate of
 * the same quantity over the batch, outputs and directions, with a floor well above the rounding
 * noise of the estimate (see {@link #compare}).
 */
public final class JetFd {
    /** Finite-difference step. */
    public static final double H = 1e-3;

    private JetFd() {}

    /**
     * Maximum normalised errors. {@code value}: the order-2 jet's value against the order-0 value;
     * {@code d1}, {@code d2}, {@code laplacian}: jet against finite differences. {@code skipped}
     * counts (point, direction, output) triples left out because a kink lies in the stencil.
     */
    public record Errors(double value, double d1, double d2, double laplacian, int skipped, int checked) {
        public double worst() {
            return Math.max(Math.max(value, d1), Math.max(d2, laplacian));
        }

        @Override
        public String toString() {
            return String.format("value %.2e, d1 %.2e, d2 %.2e, laplacian %.2e, skipped %d of %d",
                    value, d1, d2, laplacian, skipped, checked);
        }
    }

    /** Host copy of a [B, n] or [1, n] jet component, broadcast to [B, n], row-major. */
    public static double[] host(NDArray a, long b, long n) {
        NDArray full = a.getShape().equals(new Shape(b, n)) ? a : a.broadcast(new Shape(b, n));
        return Tensors.toDoubles(full);
    }

    /**
     * Compares the jet of {@code f} at the points {@code x} (row-major [b, d]) with finite differences.
     *
     * @param kinks when true, (point, direction, output) triples whose stencil crosses a kink are
     *     skipped (ReLU); the caller asserts that few were
     */
    public static Errors compare(NDManager m, Function<Jet, Jet> f, double[] x, int b, int d, boolean kinks) {
        return compare(m, f, x, b, d, kinks, H);
    }

    /** As {@link #compare(NDManager, Function, double[], int, int, boolean)} with step {@code H}. */
    public static Errors compare(NDManager m, Function<Jet, Jet> f, double[] x, int b, int d, boolean kinks,
            double H) {
        NDArray xs = m.create(x, new Shape(b, d));
        Jet jet = f.apply(Jet.input(xs, 2));
        long n = jet.value().getShape().get(1);
        double[] value2 = host(jet.value(), b, n);
        double[] value0 = host(f.apply(Jet.input(xs, 0)).value(), b, n);
        double[][] d1 = new double[d][];
        double[][] d2 = new double[d][];
        for (int k = 0; k < d; k++) {
            d1[k] = host(jet.d1(k), b, n);
            d2[k] = host(jet.d2(k), b, n);
        }
        double[] lap = host(jet.laplacian(), b, n);

        // Shifted inputs: per point and direction the offsets -2h, -h, -h/2, h/2, h, 2h.
        double[] offsets = {-2 * H, -H, -H / 2, H / 2, H, 2 * H};
        int s = offsets.length;
        double[] shifted = new double[b * d * s * d];
        int row = 0;
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < d; k++) {
                for (double o : offsets) {
                    System.arraycopy(x, i * d, shifted, row * d, d);
                    shifted[row * d + k] += o;
                    row++;
                }
            }
        }
        NDArray xsh = m.create(shifted, new Shape((long) b * d * s, d));
        double[] fs = host(f.apply(Jet.input(xsh, 0)).value(), (long) b * d * s, n);

        double[][] fd1 = new double[d][b * (int) n];
        double[][] fd2 = new double[d][b * (int) n];
        boolean[][] skip = new boolean[d][b * (int) n];
        double[] fdLap = new double[b * (int) n];
        double scale1 = 1e-6;
        double scale2 = 1e-6;
        double scaleLap = 1e-6;
        double scale0 = 1e-6;
        int skipped = 0;
        for (int i = 0; i < b; i++) {
            for (int k = 0; k < d; k++) {
                for (int c = 0; c < n; c++) {
                    int base = ((i * d + k) * s) * (int) n + c;
                    double fm2 = fs[base];
                    double fm1 = fs[base + (int) n];
                    double fmh = fs[base + 2 * (int) n];
                    double fph = fs[base + 3 * (int) n];
                    double fp1 = fs[base + 4 * (int) n];
                    double fp2 = fs[base + 5 * (int) n];
                    double f0 = value0[i * (int) n + c];
                    double g = (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * H);
                    double hh = (-fm2 + 16 * fm1 - 30 * f0 + 16 * fp1 - fp2) / (12 * H * H);
                    // Step h/2: offsets -h, -h/2, h/2, h.
                    double gHalf = (fm1 - 8 * fmh + 8 * fph - fp1) / (6 * H);
                    double hHalf = (-fm1 + 16 * fmh - 30 * f0 + 16 * fph - fp1) / (3 * H * H);
                    int at = i * (int) n + c;
                    // Richardson: both stencils err by C h^4, so (16 E(h/2) - E(h)) / 15 is sixth order.
                    fd1[k][at] = (16 * gHalf - g) / 15;
                    fd2[k][at] = (16 * hHalf - hh) / 15;
                    fdLap[at] += fd2[k][at];
                    // A kink at distance delta inside the stencil shifts E2 by about jump * delta / h^2,
                    // which is far above these thresholds unless delta < 1e-8: then its effect is too.
                    if (kinks && (Math.abs(g - gHalf) > 1e-6 * (1 + Math.abs(g))
                            || Math.abs(hh - hHalf) > 1e-4 * (1 + Math.abs(hh)))) {
                        skip[k][at] = true;
                        skipped++;
                    }
                }
            }
        }
        for (int at = 0; at < b * n; at++) {
            scale0 = Math.max(scale0, Math.abs(value0[at]));
        }
        // Where a derivative vanishes identically (ReLU without Fourier features: f'' = 0) its
        // estimate is pure rounding noise, about 1e-13 |f| for f' and 3e-9 |f| for f'' (step h/2 in
        // the Richardson term), and the Laplacian adds d of them: the scales are floored at
        // 1e-3 max(1, |f|) for f', 3e-2 max(1, |f|) for f'' and d times that for the Laplacian.
        double unit = Math.max(1, scale0);
        scale1 = Math.max(scale1, 1e-3 * unit);
        scale2 = Math.max(scale2, 3e-2 * unit);
        scaleLap = Math.max(scaleLap, 3e-2 * d * unit);
        for (int at = 0; at < b * n; at++) {
            for (int k = 0; k < d; k++) {
                if (!skip[k][at]) {
                    scale1 = Math.max(scale1, Math.abs(fd1[k][at]));
                    scale2 = Math.max(scale2, Math.abs(fd2[k][at]));
                }
            }
            scaleLap = Math.max(scaleLap, Math.abs(fdLap[at]));
        }
        double e0 = 0;
        double e1 = 0;
        double e2 = 0;
        double eLap = 0;
        for (int at = 0; at < b * n; at++) {
            e0 = Math.max(e0, Math.abs(value2[at] - value0[at]) / scale0);
            boolean any = false;
            for (int k = 0; k < d; k++) {
                if (skip[k][at]) {
                    any = true;
                    continue;
                }
                e1 = Math.max(e1, Math.abs(d1[k][at] - fd1[k][at]) / scale1);
                e2 = Math.max(e2, Math.abs(d2[k][at] - fd2[k][at]) / scale2);
            }
            if (!any) {
                eLap = Math.max(eLap, Math.abs(lap[at] - fdLap[at]) / scaleLap);
            }
        }
        return new Errors(e0, e1, e2, eLap, skipped, b * d * (int) n);
    }

    /** Uniform points in [lo, hi]^d, row-major [b, d]. */
    public static double[] points(java.util.SplittableRandom rng, int b, int d, double lo, double hi) {
        double[] x = new double[b * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextDouble(lo, hi);
        }
        return x;
    }

    /** A float64 array of the given values and shape. */
    public static NDArray array(NDManager m, double[] v, long... shape) {
        return Tensors.create(m, v, new Shape(shape), DataType.FLOAT64);
    }
}
