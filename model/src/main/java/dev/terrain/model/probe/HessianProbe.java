package dev.terrain.model.probe;

import dev.terrain.model.problem.PointSet;
import dev.terrain.model.train.Objective;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Hessian spectrum probe (SPEC 3.6; paper 000 section II.B): the top eigenvalue by power iteration,
 * the top-k eigenvalues by Lanczos with full reorthogonalisation, and the eigenvalue index
 * V(k) = sum_{i <= k} log10 lambda_i (paper 000 eq. (4)).
 *
 * <p>The Hessian is reached only through Hessian-vector products ({@link HessianOperator}); for a
 * network these are {@link HessianFiniteDifference} central differences of parameter gradients.
 * Vectors are host double[] (n up to a few thousand). The eigenvalues of Lanczos' tridiagonal matrix
 * come from EJML's symmetric eigen-decomposition.
 *
 * <p>Use: {@code new HessianProbe(objective, batch, settings).run(step, snapshotId)}, on a snapshot's
 * network (gradients accumulate into its parameters, so not the one a concurrent training step
 * records on); it leaves theta bit-identical.
 */
public final class HessianProbe {
    /** Lanczos treats the Krylov space as invariant when beta falls below this times its norm estimate. */
    static final double BREAKDOWN = 1e-8;

    private final Objective objective;
    private final Map<String, PointSet> batch;
    private final HessianSettings settings;
    private Runnable beforeBackward = () -> { };

    public HessianProbe(Objective objective, Map<String, PointSet> batch, HessianSettings settings) {
        this.objective = objective;
        this.batch = batch;
        this.settings = settings;
    }

    /** See {@link HessianFiniteDifference#beforeBackward}. */
    public HessianProbe beforeBackward(Runnable hook) {
        this.beforeBackward = hook;
        return this;
    }

    public HessianResult run() {
        return run(-1, "");
    }

    /**
     * Power method (when enabled), Lanczos and V(k) at the network's current parameters.
     *
     * @throws IllegalArgumentException when k exceeds the number of parameters
     */
    public HessianResult run(long step, String snapshotId) {
        long start = System.nanoTime();
        HessianFiniteDifference op = new HessianFiniteDifference(objective, batch, settings.fdScale())
                .beforeBackward(beforeBackward);
        int n = op.dimension();
        checkK(settings.k(), n);
        double loss = Double.NaN;
        HessianResult.Power power = null;
        HessianResult.Lanczos lanczos = null;
        HessianResult.Index index = null;
        String problem = null;
        String phase = "the gradient at theta";
        try {
            op.gradient();
            loss = op.loss();
            if (settings.power()) {
                phase = "the power method";
                power = powerIteration(op, settings);
            }
            phase = "Lanczos";
            lanczos = lanczos(op, settings);
            index = eigenvalueIndex(lanczos.eigenvalues(), settings.k());
        } catch (HessianFiniteDifference.NonFiniteLossException e) {
            problem = e.getMessage() + " (during " + phase + ")";
            if (Double.isNaN(loss)) {
                loss = safeLoss(op);
            }
        }
        return new HessianResult(step, snapshotId, n, loss, op.scale(), power, lanczos, index, op.products(),
                op.gradientEvaluations(), Duration.ofNanos(System.nanoTime() - start), problem);
    }

    private static double safeLoss(HessianFiniteDifference op) {
        try {
            return op.loss();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Power method, Lanczos and V(k) on any operator (no finite differences; fdScale NaN). */
    public static HessianResult run(HessianOperator op, HessianSettings settings) {
        long start = System.nanoTime();
        checkK(settings.k(), op.dimension());
        Counting c = new Counting(op);
        HessianResult.Power power = settings.power() ? powerIteration(c, settings) : null;
        HessianResult.Lanczos lanczos = lanczos(c, settings);
        HessianResult.Index index = eigenvalueIndex(lanczos.eigenvalues(), settings.k());
        return new HessianResult(-1, "", op.dimension(), Double.NaN, Double.NaN, power, lanczos, index, c.count, 0,
                Duration.ofNanos(System.nanoTime() - start), null);
    }

    static void checkK(int k, int n) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("hessian.k must be in [1, n] with n = " + n + " parameters, was " + k);
        }
    }

    /**
     * Power iteration from a seeded Gaussian unit vector: v <- H v / |H v| until the Rayleigh quotient
     * v^T H v changes by at most {@code powerTolerance} relative, or {@code powerMaxIterations}.
     * Converges to the eigenvalue of largest magnitude, at the rate |lambda_2 / lambda_1|.
     */
    public static HessianResult.Power powerIteration(HessianOperator op, HessianSettings s) {
        int n = op.dimension();
        double[] v = gaussianUnit(n, new SplittableRandom(s.seed()));
        double lambda = Double.NaN;
        double previous = Double.NaN;
        double residual = Double.NaN;
        boolean converged = false;
        int it = 0;
        double[] current = v;
        while (it < s.powerMaxIterations()) {
            current = v;
            double[] w = op.apply(v);
            it++;
            lambda = dot(v, w);
            residual = residual(w, lambda, v);
            double wn = HessianFiniteDifference.norm(w);
            if (wn == 0) {
                converged = true;
                break;
            }
            if (it > 1 && Math.abs(lambda - previous) <= s.powerTolerance() * Math.abs(lambda)) {
                converged = true;
                break;
            }
            previous = lambda;
            v = scale(w, 1.0 / wn);
        }
        return new HessianResult.Power(lambda, current, it, converged, residual);
    }

    /**
     * Lanczos with full reorthogonalisation (classical Gram-Schmidt, twice, against every earlier
     * vector) from a seeded Gaussian unit vector, for at least min(n, 2k) and at most
     * {@link HessianSettings#stepsFor} steps. When the Krylov space becomes invariant (beta below
     * {@value #BREAKDOWN} of the norm estimate) it continues from a fresh random vector orthogonal to
     * all earlier ones (beta = 0 in T), so repeated eigenvalues come out with their multiplicity. The
     * Ritz values are the eigenvalues of the tridiagonal T, computed by EJML.
     */
    public static HessianResult.Lanczos lanczos(HessianOperator op, HessianSettings s) {
        int n = op.dimension();
        int k = s.k();
        checkK(k, n);
        int maxSteps = s.stepsFor(n);
        int minSteps = Math.min(n, 2 * k);
        SplittableRandom rng = new SplittableRandom(s.seed() ^ 0x1A2C305L);
        double[][] q = new double[maxSteps][];
        double[] alpha = new double[maxSteps];
        double[] beta = new double[maxSteps];
        double normEstimate = 0;
        int restarts = 0;
        int m = 0;
        boolean converged = false;
        double lastBeta = 0;
        double[] v = gaussianUnit(n, rng);
        while (m < maxSteps) {
            q[m] = v;
            double[] w = op.apply(v);
            normEstimate = Math.max(normEstimate, HessianFiniteDifference.norm(w));
            alpha[m] = dot(v, w);
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i <= m; i++) {
                    axpy(-dot(q[i], w), q[i], w);
                }
            }
            double b = HessianFiniteDifference.norm(w);
            m++;
            lastBeta = b;
            if (m == n) {
                converged = true;
                break;
            }
            boolean invariant = b <= BREAKDOWN * normEstimate;
            // An invariant Krylov space is not convergence: it holds one vector per distinct eigenvalue,
            // so Lanczos goes on from a fresh vector and repeated eigenvalues keep their multiplicity.
            if (!invariant && m >= minSteps && s.lanczosTolerance() > 0
                    && ritz(alpha, beta, m).converged(k, b, s.lanczosTolerance())) {
                converged = true;
                break;
            }
            if (m == maxSteps) {
                break;
            }
            if (invariant) {
                restarts++;
                beta[m - 1] = 0;
                v = freshOrthogonal(q, m, n, rng);
            } else {
                beta[m - 1] = b;
                v = scale(w, 1.0 / b);
            }
        }
        Ritz ritz = ritz(alpha, beta, m);
        boolean last = m == n;
        int kk = Math.min(k, m);
        double[] values = new double[kk];
        double[][] vectors = new double[kk][];
        double[] estimates = new double[kk];
        double[] residuals = new double[kk];
        Arrays.fill(residuals, Double.NaN);
        for (int i = 0; i < kk; i++) {
            values[i] = ritz.values[i];
            double[] y = new double[n];
            for (int j = 0; j < m; j++) {
                axpy(ritz.vectors[i][j], q[j], y);
            }
            double yn = HessianFiniteDifference.norm(y);
            vectors[i] = scale(y, 1.0 / yn);
            estimates[i] = last ? 0.0 : Math.abs(lastBeta * ritz.vectors[i][m - 1]);
        }
        if (!converged) {
            converged = ritz.converged(k, lastBeta, s.lanczosTolerance());
        }
        if (s.trueResiduals()) {
            for (int i = 0; i < kk; i++) {
                double[] hy = op.apply(vectors[i]);
                residuals[i] = residual(hy, values[i], vectors[i]);
            }
        }
        return new HessianResult.Lanczos(values, vectors, estimates, residuals, m, restarts, converged,
                ritz.values.clone());
    }

    /** V(k) = sum_{i <= k} log10 lambda_i over eigenvalues sorted descending; NaN and flagged if any is <= 0. */
    public static HessianResult.Index eigenvalueIndex(double[] descending, int k) {
        if (k < 1 || k > descending.length) {
            throw new IllegalArgumentException("V(k) needs 1 <= k <= " + descending.length + " eigenvalues, was k = " + k);
        }
        List<Integer> bad = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < k; i++) {
            double l = descending[i];
            if (!(l > 0) || Double.isInfinite(l)) {
                bad.add(i + 1);
            } else {
                sum += Math.log10(l);
            }
        }
        return bad.isEmpty() ? new HessianResult.Index(k, sum, true, List.of())
                : new HessianResult.Index(k, Double.NaN, false, List.copyOf(bad));
    }

    /** Eigen-pairs of the leading m x m block of the tridiagonal (alpha, beta), descending. */
    private static Ritz ritz(double[] alpha, double[] beta, int m) {
        DMatrixRMaj t = new DMatrixRMaj(m, m);
        for (int i = 0; i < m; i++) {
            t.set(i, i, alpha[i]);
            if (i + 1 < m) {
                t.set(i, i + 1, beta[i]);
                t.set(i + 1, i, beta[i]);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m, true, true);
        if (!eig.decompose(t)) {
            throw new IllegalStateException("EJML could not decompose the " + m + " x " + m + " Lanczos matrix");
        }
        Integer[] order = new Integer[m];
        double[] raw = new double[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
            raw[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(order, (a, b) -> Double.compare(raw[b], raw[a]));
        double[] values = new double[m];
        double[][] vectors = new double[m][];
        for (int i = 0; i < m; i++) {
            values[i] = raw[order[i]];
            DMatrixRMaj s = eig.getEigenVector(order[i]);
            double[] col = new double[m];
            double norm = 0;
            for (int j = 0; j < m; j++) {
                col[j] = s.get(j, 0);
                norm += col[j] * col[j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < m; j++) {
                col[j] /= norm;
            }
            vectors[i] = col;
        }
        return new Ritz(values, vectors);
    }

    private record Ritz(double[] values, double[][] vectors) {
        boolean converged(int k, double b, double tol) {
            int kk = Math.min(k, values.length);
            double scale = 0;
            for (int i = 0; i < kk; i++) {
                scale = Math.max(scale, Math.abs(values[i]));
            }
            for (int i = 0; i < kk; i++) {
                double[] s = vectors[i];
                if (Math.abs(b * s[s.length - 1]) > tol * scale) {
                    return false;
                }
            }
            return kk == k;
        }
    }

    private static double[] freshOrthogonal(double[][] q, int m, int n, SplittableRandom rng) {
        for (int attempt = 0; attempt < 10; attempt++) {
            double[] v = gaussianUnit(n, rng);
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < m; i++) {
                    axpy(-dot(q[i], v), q[i], v);
                }
            }
            double vn = HessianFiniteDifference.norm(v);
            if (vn > 1e-3) {
                return scale(v, 1.0 / vn);
            }
        }
        throw new IllegalStateException("no vector orthogonal to " + m + " Lanczos vectors in R^" + n);
    }

    static double[] gaussianUnit(int n, SplittableRandom rng) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = gaussian(rng);
        }
        return scale(v, 1.0 / HessianFiniteDifference.norm(v));
    }

    /** Standard normal by Box-Muller (deterministic for a seed on every JVM). */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double[] scale(double[] v, double a) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = a * v[i];
        }
        return out;
    }

    private static double residual(double[] hv, double lambda, double[] v) {
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            double r = hv[i] - lambda * v[i];
            s += r * r;
        }
        return Math.sqrt(s);
    }

    /** Counts products of an operator that does not count its own. */
    private static final class Counting implements HessianOperator {
        final HessianOperator op;
        long count;

        Counting(HessianOperator op) {
            this.op = op;
        }

        @Override
        public int dimension() {
            return op.dimension();
        }

        @Override
        public double[] apply(double[] v) {
            count++;
            return op.apply(v);
        }
    }
}
