package dev.terrain.model.optim;

/**
 * The strong-Wolfe line search of {@link Lbfgs}: a port of PyTorch's {@code _strong_wolfe} and
 * {@code _cubic_interpolate} ({@code torch/optim/lbfgs.py}; PyTorch is copyright Facebook, Inc. and its
 * contributors, BSD 3-clause licence), themselves ported from Mark Schmidt's minFunc through torch7's
 * {@code lswolfe.lua} and {@code polyinterp.lua}.
 *
 * <p>Bracketing phase: Nocedal and Wright, Numerical Optimization (2nd ed.), Algorithm 3.5; zoom
 * phase: Algorithm 3.6, with the trial step chosen by cubic interpolation of the two bracket ends and
 * kept at least a tenth of the bracket away from its ends when it makes insufficient progress. The
 * accepted t satisfies f(x + t d) &le; f + c1 t g&middot;d and |g(x + t d)&middot;d| &le; c2 |g&middot;d|
 * unless the search ran out of iterations or its bracket shrank below the tolerance.
 *
 * <p>Python's {@code min}/{@code max} keep their first argument unless the second compares strictly
 * smaller/larger; {@link #pyMin}/{@link #pyMax} do the same so that NaN travels as it does in PyTorch.
 */
final class StrongWolfe {
    /** Sufficient decrease (Armijo) constant, PyTorch's default. */
    static final double C1 = 1e-4;
    /** Curvature constant, PyTorch's default. */
    static final double C2 = 0.9;
    /** Bracketing extrapolates to no less than t + 0.01 (t - t_prev) ... */
    private static final double MIN_EXTRAPOLATION = 0.01;
    /** ... and no more than 10 t. */
    private static final double MAX_EXTRAPOLATION = 10;
    /** A zoom trial this close to a bracket end, as a fraction of the bracket, counts as no progress. */
    private static final double MIN_PROGRESS = 0.1;

    /** phi(t) = f(x + t d): returns the loss and writes the gradient at x + t d into grad. */
    @FunctionalInterface
    interface Directional {
        double evaluate(double t, double[] grad);
    }

    /** The accepted step, its loss and gradient, and the evaluations the search made. */
    record Result(double t, double loss, double[] grad, int evaluations) {}

    /** Two points of the line, [0] and [1]: step, loss, gradient and directional derivative. */
    private static final class Bracket {
        final double[] t = new double[2];
        final double[] f = new double[2];
        final double[][] g = new double[2][];
        final double[] gtd = new double[2];

        Bracket(double t0, double f0, double[] g0, double gtd0, double t1, double f1, double[] g1, double gtd1) {
            set(0, t0, f0, g0, gtd0);
            set(1, t1, f1, g1, gtd1);
        }

        void set(int i, double ti, double fi, double[] gi, double gtdi) {
            t[i] = ti;
            f[i] = fi;
            g[i] = gi;
            gtd[i] = gtdi;
        }

        int low() {
            return f[0] <= f[1] ? 0 : 1;
        }
    }

    private StrongWolfe() {}

    /**
     * Searches along d from the point where the loss is f, the gradient g and g&middot;d = gtd (&lt; 0),
     * starting with step t, in at most 1 + maxLs evaluations (PyTorch's {@code max_ls}). With maxLs = 0
     * the one trial is taken if it lowers the loss, else t = 0. Arrays given to or returned by phi are
     * never written afterwards.
     */
    static Result search(Directional phi, double[] g, double[] d, double f, double gtd, double t, int maxLs,
                         double toleranceChange) {
        double dNorm = Vectors.maxAbs(d);
        double[] gNew = new double[d.length];
        double fNew = phi.evaluate(t, gNew);
        int evaluations = 1;
        double gtdNew = Vectors.dot(gNew, d);

        double tPrev = 0;
        double fPrev = f;
        double[] gPrev = g;
        double gtdPrev = gtd;
        Bracket bracket = null;
        boolean done = false;
        int lsIter = 0;
        while (lsIter < maxLs) {
            if (fNew > f + C1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
                bracket = new Bracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew, gtdNew);
                break;
            }
            if (Math.abs(gtdNew) <= -C2 * gtd) {
                // A one-point bracket in PyTorch; both ends equal reads the same below.
                bracket = new Bracket(t, fNew, gNew, gtdNew, t, fNew, gNew, gtdNew);
                done = true;
                break;
            }
            if (gtdNew >= 0) {
                bracket = new Bracket(tPrev, fPrev, gPrev, gtdPrev, t, fNew, gNew, gtdNew);
                break;
            }
            double minStep = t + MIN_EXTRAPOLATION * (t - tPrev);
            double maxStep = t * MAX_EXTRAPOLATION;
            double tmp = t;
            t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
            tPrev = tmp;
            fPrev = fNew;
            gPrev = gNew;
            gtdPrev = gtdNew;
            gNew = new double[d.length];
            fNew = phi.evaluate(t, gNew);
            evaluations++;
            gtdNew = Vectors.dot(gNew, d);
            lsIter++;
        }
        if (lsIter == maxLs) {
            bracket = new Bracket(0, f, g, gtd, t, fNew, gNew, gtdNew);
        }
        return zoom(phi, bracket, done, lsIter, maxLs, evaluations, d, f, gtd, dNorm, toleranceChange);
    }

    /** Algorithm 3.6: shrinks the bracket until a point satisfies the strong Wolfe conditions. */
    private static Result zoom(Directional phi, Bracket b, boolean done, int lsIter, int maxLs, int evaluations,
                               double[] d, double f, double gtd, double dNorm, double toleranceChange) {
        int low = b.low();
        int high = 1 - low;
        boolean insufficientProgress = false;
        while (!done && lsIter < maxLs) {
            if (Math.abs(b.t[1] - b.t[0]) * dNorm < toleranceChange) {
                break;
            }
            double t = cubicInterpolate(b.t[0], b.f[0], b.gtd[0], b.t[1], b.f[1], b.gtd[1]);
            double hi = pyMax(b.t[0], b.t[1]);
            double lo = pyMin(b.t[0], b.t[1]);
            double eps = MIN_PROGRESS * (hi - lo);
            if (pyMin(hi - t, t - lo) < eps) {
                if (insufficientProgress || t >= hi || t <= lo) {
                    t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                } else {
                    insufficientProgress = true;
                }
            } else {
                insufficientProgress = false;
            }
            double[] gNew = new double[d.length];
            double fNew = phi.evaluate(t, gNew);
            evaluations++;
            double gtdNew = Vectors.dot(gNew, d);
            lsIter++;
            if (fNew > f + C1 * t * gtd || fNew >= b.f[low]) {
                b.set(high, t, fNew, gNew, gtdNew);
                low = b.low();
                high = 1 - low;
            } else {
                if (Math.abs(gtdNew) <= -C2 * gtd) {
                    done = true;
                } else if (gtdNew * (b.t[high] - b.t[low]) >= 0) {
                    b.set(high, b.t[low], b.f[low], b.g[low], b.gtd[low]);
                }
                b.set(low, t, fNew, gNew, gtdNew);
            }
        }
        return new Result(b.t[low], b.f[low], b.g[low], evaluations);
    }

    /** {@link #cubicInterpolate(double, double, double, double, double, double, double, double)} on [x1, x2]. */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
        return x1 <= x2
                ? cubicInterpolate(x1, f1, g1, x2, f2, g2, x1, x2)
                : cubicInterpolate(x1, f1, g1, x2, f2, g2, x2, x1);
    }

    /**
     * Minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
     * [xmin, xmax]; the middle of that interval when the cubic has no minimiser:
     * d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2), d2 = sqrt(d1^2 - g1 g2),
     * x = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2) (Nocedal and Wright, eq. 3.59).
     */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                                   double xmin, double xmax) {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos = x1 <= x2
                    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return pyMin(pyMax(minPos, xmin), xmax);
        }
        return (xmin + xmax) / 2.0;
    }

    /** Python's {@code min(a, b)}: a unless b &lt; a. */
    static double pyMin(double a, double b) {
        return b < a ? b : a;
    }

    /** Python's {@code max(a, b)}: a unless b &gt; a. */
    static double pyMax(double a, double b) {
        return b > a ? b : a;
    }
}
