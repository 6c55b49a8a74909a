package dev.terrain.model.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.Objective;
import java.util.List;
import java.util.Map;

/**
 * Hessian-vector products of the total loss J(theta) of an objective on a fixed batch, by central
 * differences of first-order parameter gradients:
 *
 * <pre>  H v ~ (grad J(theta + eps v) - grad J(theta - eps v)) / (2 eps),
 *   eps = kappa max(1, |theta|) / |v|.</pre>
 *
 * <p>No double backward (it leaks in DJL 0.35, shared/bench/NOTES.md): each product is one ordinary
 * forward + backward pass of the two points theta +- eps v batched on a leading parameter axis (as
 * the roughness index batches its losses), in its own {@link NDScope}, with the gradients read to the
 * host. The network's own parameter arrays are never written.
 *
 * <p><b>Step.</b> The parameter-space step eps v has norm kappa max(1, |theta|): a relative
 * perturbation kappa of theta (absolute below |theta| = 1). The central difference has truncation
 * error (eps^2 / 6) D^3 grad J[v, v, v] and rounding error about u |grad J| / eps for unit roundoff u
 * (more when the loss sums cancelling terms); balancing the two gives kappa ~ u^(1/3), the classical
 * central-difference choice (u^(1/3) = 6.1e-6 in float64, 4.9e-3 in float32). Measured in float64
 * (HessianProbeTest): max relative error of H v over three random unit v against a fourth-order
 * reference (itself consistent to 5.5e-13), on paper 000's 1D Poisson DGM loss with a ResNet of
 * width 3 (34 parameters) after 300 Adam steps:
 * <pre>
 *   kappa  1e-2    1e-3    1e-4    1e-5    6e-6    4e-6    2e-6    1e-6    1e-7    1e-8
 *   error  9.3e-4  9.3e-6  9.3e-8  9.4e-10 3.4e-10 1.7e-10 1.2e-10 1.3e-10 5.0e-10 7.2e-9
 * </pre>
 * and at the random initialisation of the same network 1.3e-10 (1e-5), 4.3e-11 (6e-6), 4.6e-11 (3e-6),
 * 1.8e-10 (1e-6): truncation (~kappa^2) above the optimum, rounding (~1/kappa) below, the floor
 * between 3e-6 and 6e-6 as u^(1/3) predicts. Since the error grows as kappa^2 above the optimum and
 * only as 1/kappa below, the default errs low: {@value #DEFAULT_SCALE_FLOAT64}.
 * In float32 the perturbed theta is itself rounded to float, so expect relative errors of order 1e-4
 * to 1e-3 there; probe in float64 where it matters.
 *
 * <p>theta is copied when this object is made. A product leaves the network's arrays alone;
 * {@link #gradientAt} loads its point and then theta back, bit for bit (also when the evaluation fails). Gradients are recorded with
 * {@link Autograd}, so a probe may run on one thread while training records on another, as long as
 * the two do not share parameter arrays (gradients accumulate into the leaves).
 */
public final class HessianFiniteDifference implements HessianOperator {
    /** Default kappa in float64: about the cube root of double's unit roundoff (measured optimum, class comment). */
    public static final double DEFAULT_SCALE_FLOAT64 = 4e-6;
    /** Default kappa in float32: about the cube root of float's unit roundoff. */
    public static final double DEFAULT_SCALE_FLOAT32 = 5e-3;

    /** A loss or gradient that is NaN or infinite; names where it was evaluated. */
    public static final class NonFiniteLossException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public NonFiniteLossException(String message) {
            super(message);
        }
    }

    private final Objective objective;
    private final Map<String, PointSet> batch;
    private final Parameters params;
    private final NDManager manager;
    private final double[] theta;
    private final double thetaNorm;
    private final double kappa;
    private final int n;
    private Runnable beforeBackward = () -> { };
    private long gradients;
    private long products;

    /**
     * @param fdScale kappa; NaN picks {@link #defaultScale(DataType)}
     */
    public HessianFiniteDifference(Objective objective, Map<String, PointSet> batch, double fdScale) {
        this.objective = objective;
        this.batch = batch;
        this.params = objective.network().parameters();
        this.manager = params.manager();
        this.theta = params.toFlat();
        this.n = theta.length;
        this.thetaNorm = norm(theta);
        this.kappa = Double.isNaN(fdScale) ? defaultScale(params.dataType()) : fdScale;
        if (!(kappa > 0) || Double.isInfinite(kappa)) {
            throw new IllegalArgumentException("finite-difference scale must be > 0, was " + fdScale);
        }
    }

    public static double defaultScale(DataType dataType) {
        return dataType == DataType.FLOAT64 ? DEFAULT_SCALE_FLOAT64 : DEFAULT_SCALE_FLOAT32;
    }

    /**
     * Runs between every forward pass and its backward pass (a test seam: tests collect garbage and
     * write junk there, so a Java number on the differentiated path cannot hide).
     */
    public HessianFiniteDifference beforeBackward(Runnable hook) {
        this.beforeBackward = hook;
        return this;
    }

    @Override
    public int dimension() {
        return n;
    }

    /** kappa in use. */
    public double scale() {
        return kappa;
    }

    /** A copy of theta as it was when this object was made (and is after every call). */
    public double[] theta() {
        return theta.clone();
    }

    public double thetaNorm() {
        return thetaNorm;
    }

    /** eps for a direction v: kappa max(1, |theta|) / |v|. */
    public double step(double[] v) {
        return kappa * Math.max(1.0, thetaNorm) / norm(v);
    }

    /** Gradient evaluations so far (2 per product, plus any {@link #gradient} calls). */
    public long gradientEvaluations() {
        return gradients;
    }

    /** Hessian-vector products so far. */
    public long products() {
        return products;
    }

    /** The loss J(theta) at theta (no gradient). */
    @SuppressWarnings("try")
    public double loss() {
        try (NDScope scope = new NDScope(); dev.terrain.model.tensor.NoGrad off = new dev.terrain.model.tensor.NoGrad()) {
            scope.suppressNotUsedWarning();
            return Tensors.toDoubles(objective.evaluate(batch).total())[0];
        }
    }

    /** grad J(theta); throws {@link NonFiniteLossException} when J or its gradient is not finite. */
    public double[] gradient() {
        return evaluateGradient("theta");
    }

    /** grad J at another point; theta is loaded back afterwards. */
    public double[] gradientAt(double[] point) {
        if (point.length != n) {
            throw new IllegalArgumentException("point has " + point.length + " entries, the network " + n);
        }
        try {
            params.load(point);
            return evaluateGradient("a perturbed theta");
        } finally {
            params.load(theta);
        }
    }

    @Override
    public double[] apply(double[] v) {
        if (v.length != n) {
            throw new IllegalArgumentException("vector has " + v.length + " entries, the network " + n);
        }
        double vn = norm(v);
        if (vn == 0) {
            return new double[n];
        }
        if (!Double.isFinite(vn)) {
            throw new IllegalArgumentException("direction is not finite (|v| = " + vn + ")");
        }
        double eps = step(v);
        double[] plus = new double[n];
        double[] minus = new double[n];
        for (int i = 0; i < n; i++) {
            plus[i] = theta[i] + eps * v[i];
            minus[i] = theta[i] - eps * v[i];
        }
        double[][] g = gradientsAt(new double[][] {plus, minus},
                "theta + eps v (eps = " + eps + ")", "theta - eps v (eps = " + eps + ")");
        double[] gp = g[0];
        double[] gm = g[1];
        double[] hv = new double[n];
        double inv = 1.0 / (2 * eps);
        for (int i = 0; i < n; i++) {
            hv[i] = (gp[i] - gm[i]) * inv;
        }
        products++;
        return hv;
    }

    /**
     * grad J at P points from one batched forward and backward pass: the points become a leading batch
     * axis of fresh leaf parameter arrays (as {@link BatchedLoss} does for losses), the P losses are
     * independent, so the reverse pass from their sum gives each point's gradient in its own row. The
     * network's own arrays are not touched. {@code where} names each point in errors.
     */
    private double[][] gradientsAt(double[][] points, String... where) {
        int p = points.length;
        double[][] g = new double[p][n];
        double[] losses;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> batched = BatchedLoss.stack(params, points, p);
            for (NDArray a : batched) {
                a.setRequiresGradient(true);
            }
            try (Autograd.Recording rec = Autograd.record()) {
                NDArray total = objective.evaluate(batch, batched).total();
                losses = Tensors.toDoubles(total);
                for (int k = 0; k < p; k++) {
                    if (!Double.isFinite(losses[k])) {
                        throw new NonFiniteLossException("non-finite loss J = " + losses[k] + " at " + where[k]);
                    }
                }
                beforeBackward.run();
                rec.backward(total.sum());
            }
            int at = 0;
            for (NDArray a : batched) {
                int size = Math.toIntExact(a.size() / p);
                double[] v = Tensors.toDoubles(a.getGradient());
                for (int k = 0; k < p; k++) {
                    System.arraycopy(v, k * size, g[k], at, size);
                }
                at += size;
            }
        }
        gradients += p;
        for (int k = 0; k < p; k++) {
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(g[k][i])) {
                    throw new NonFiniteLossException("non-finite gradient entry " + i + " (" + g[k][i] + ") at " + where[k]
                            + " with finite loss " + losses[k]);
                }
            }
        }
        return g;
    }

    /** One forward + backward pass at the parameters currently loaded; gradients are zeroed before and after. */
    private double[] evaluateGradient(String where) {
        zeroGradients();
        double[] g = new double[n];
        double loss;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (Autograd.Recording rec = Autograd.record()) {
                NDArray total = objective.evaluate(batch).total();
                loss = Tensors.toDoubles(total)[0];
                if (!Double.isFinite(loss)) {
                    throw new NonFiniteLossException("non-finite loss J = " + loss + " at " + where);
                }
                beforeBackward.run();
                rec.backward(total);
            }
            int at = 0;
            for (Param p : params.list()) {
                try (NDArray grad = p.array().getGradient()) {
                    double[] v = Tensors.toDoubles(grad);
                    System.arraycopy(v, 0, g, at, v.length);
                    at += v.length;
                }
            }
        } finally {
            zeroGradients();
        }
        gradients++;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(g[i])) {
                throw new NonFiniteLossException("non-finite gradient entry " + i + " (" + g[i] + ") at " + where
                        + " with finite loss " + loss);
            }
        }
        return g;
    }

    private void zeroGradients() {
        for (Param p : params.list()) {
            JniUtils.zeroGrad((PtNDArray) p.array());
        }
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
