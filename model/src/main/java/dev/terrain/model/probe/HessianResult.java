package dev.terrain.model.probe;

import java.time.Duration;
import java.util.List;

/**
 * What the Hessian probe found at one snapshot (plain host values, nothing on the device).
 *
 * @param step training step of the snapshot (-1 when not given)
 * @param snapshotId id of the snapshot ("" when not given)
 * @param parameters n, the number of parameters
 * @param loss J(theta) on the probe's batch
 * @param fdScale kappa of the finite-difference step (NaN for an exact operator)
 * @param power the power method's result, or null when it was not run (or could not run)
 * @param lanczos the top-k eigenvalues by Lanczos, or null when they could not be computed
 * @param index V(k) over Lanczos' top-k eigenvalues, or null with {@code lanczos}
 * @param hessianVectorProducts products used in all (power + Lanczos + true residuals)
 * @param gradientEvaluations forward + backward passes used (2 per product, plus one at theta)
 * @param wallTime the probe's own wall time
 * @param problem null when all went well; otherwise what went wrong (non-finite loss, ...), and the
 *     numbers that could not be computed are NaN or null
 */
public record HessianResult(long step, String snapshotId, int parameters, double loss, double fdScale, Power power,
        Lanczos lanczos, Index index, long hessianVectorProducts, long gradientEvaluations, Duration wallTime,
        String problem) {

    /** True when nothing went wrong (the power method may still report {@code converged = false}). */
    public boolean ok() {
        return problem == null;
    }

    /** The top eigenvalue: Lanczos' largest, or the power method's when Lanczos did not run; NaN if neither. */
    public double topEigenvalue() {
        if (lanczos != null && lanczos.eigenvalues().length > 0) {
            return lanczos.eigenvalues()[0];
        }
        return power == null ? Double.NaN : power.eigenvalue();
    }

    /**
     * Power method: the eigenvalue of largest magnitude (for a Hessian whose spectrum is dominated by
     * its positive end, as at PINN minimisers and initialisations, the top eigenvalue).
     *
     * @param eigenvalue the last Rayleigh quotient v^T H v
     * @param vector the last unit vector v
     * @param iterations products used
     * @param converged whether the Rayleigh quotient changed by at most the tolerance (relative)
     * @param residual |H v - lambda v| at the last iterate (|v| = 1)
     */
    public record Power(double eigenvalue, double[] vector, int iterations, boolean converged, double residual) {}

    /**
     * Lanczos with full reorthogonalisation: the top-k Ritz values (descending, largest algebraic).
     *
     * @param eigenvalues top-k Ritz values, descending
     * @param vectors the Ritz vectors (unit, in parameter order), one per eigenvalue
     * @param residualEstimates Lanczos' residual estimates |beta_m s_mi|
     * @param residuals true residuals |H y_i - theta_i y_i| (NaN when not computed)
     * @param steps Lanczos steps taken (size of the tridiagonal matrix)
     * @param restarts times the Krylov space became invariant and a fresh orthogonal vector was drawn
     * @param converged whether all top-k residual estimates met the tolerance (always true at m = n)
     * @param ritzValues every Ritz value of the tridiagonal matrix, descending
     */
    public record Lanczos(double[] eigenvalues, double[][] vectors, double[] residualEstimates, double[] residuals,
            int steps, int restarts, boolean converged, double[] ritzValues) {}

    /**
     * Paper 000 eq. (4): V(k) = sum_{i <= k} log10 lambda_i over the top-k eigenvalues.
     *
     * @param k number of eigenvalues summed
     * @param value V(k), NaN when it is undefined
     * @param defined false when some lambda_i, i <= k, is not positive (or not finite)
     * @param nonPositive the 1-based indices i <= k with lambda_i <= 0 (or not finite)
     */
    public record Index(int k, double value, boolean defined, List<Integer> nonPositive) {
        /** A sentence naming the offending eigenvalues, or null when V(k) is defined. */
        public String why() {
            return defined ? null : "V(" + k + ") is undefined: lambda_i <= 0 (or not finite) for i = " + nonPositive;
        }
    }
}
