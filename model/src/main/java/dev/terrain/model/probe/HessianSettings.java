package dev.terrain.model.probe;

/**
 * Settings of the Hessian probe (SPEC 3.6, paper 000 section II.B).
 *
 * @param k number of top eigenvalues (Lanczos) and of terms in the index V(k); at least 1 and at
 *     most the parameter count (checked when the probe runs)
 * @param lanczosSteps maximum Lanczos steps; 0 picks min(n, max(2k, k + 30)); otherwise at least 2k
 *     (capped at n when the probe runs)
 * @param lanczosTolerance Lanczos stops early (after at least min(n, 2k) steps) when every one of
 *     the top-k Ritz pairs has the residual estimate |beta_m s_mi| at most this times max |theta_i|;
 *     0 never stops early
 * @param powerMaxIterations iteration cap of the power method
 * @param powerTolerance the power method has converged when the Rayleigh quotient changes by at most
 *     this, relative, between two iterations
 * @param seed seed of the Gaussian start vectors (power method and Lanczos use separate streams)
 * @param fdScale kappa of the finite-difference step eps = kappa max(1, |theta|) / |v|; NaN picks
 *     {@link HessianFiniteDifference#defaultScale} for the parameters' data type
 * @param power whether to run the power method as well as Lanczos
 * @param trueResiduals whether to spend k extra Hessian-vector products on the true residuals
 *     |H y - theta y| of the Ritz pairs (otherwise only Lanczos' estimates are reported)
 */
public record HessianSettings(int k, int lanczosSteps, double lanczosTolerance, int powerMaxIterations,
        double powerTolerance, long seed, double fdScale, boolean power, boolean trueResiduals) {

    public HessianSettings {
        if (k < 1) {
            throw new IllegalArgumentException("hessian.k must be at least 1, was " + k);
        }
        if (lanczosSteps != 0 && lanczosSteps < 2 * k) {
            throw new IllegalArgumentException("hessian.lanczosSteps must be 0 (automatic) or at least 2k = "
                    + 2 * k + ", was " + lanczosSteps);
        }
        if (!(lanczosTolerance >= 0) || Double.isInfinite(lanczosTolerance)) {
            throw new IllegalArgumentException("hessian.lanczosTolerance must be finite and >= 0, was " + lanczosTolerance);
        }
        if (powerMaxIterations < 1) {
            throw new IllegalArgumentException("hessian.powerMaxIterations must be at least 1, was " + powerMaxIterations);
        }
        if (!(powerTolerance > 0) || Double.isInfinite(powerTolerance)) {
            throw new IllegalArgumentException("hessian.powerTolerance must be finite and > 0, was " + powerTolerance);
        }
        if (!Double.isNaN(fdScale) && !(fdScale > 0 && fdScale < 1)) {
            throw new IllegalArgumentException("hessian.fdScale must be NaN (automatic) or in (0, 1), was " + fdScale);
        }
    }

    /** k top eigenvalues, automatic steps, tolerances 1e-9, 500 power iterations, seed 1, automatic step. */
    public static HessianSettings defaults(int k) {
        return new HessianSettings(k, 0, 1e-9, 500, 1e-9, 1, Double.NaN, true, true);
    }

    public HessianSettings withLanczosSteps(int steps) {
        return new HessianSettings(k, steps, lanczosTolerance, powerMaxIterations, powerTolerance, seed, fdScale,
                power, trueResiduals);
    }

    public HessianSettings withLanczosTolerance(double tol) {
        return new HessianSettings(k, lanczosSteps, tol, powerMaxIterations, powerTolerance, seed, fdScale,
                power, trueResiduals);
    }

    public HessianSettings withPower(int maxIterations, double tol) {
        return new HessianSettings(k, lanczosSteps, lanczosTolerance, maxIterations, tol, seed, fdScale,
                power, trueResiduals);
    }

    public HessianSettings withPower(boolean on) {
        return new HessianSettings(k, lanczosSteps, lanczosTolerance, powerMaxIterations, powerTolerance, seed,
                fdScale, on, trueResiduals);
    }

    public HessianSettings withSeed(long s) {
        return new HessianSettings(k, lanczosSteps, lanczosTolerance, powerMaxIterations, powerTolerance, s,
                fdScale, power, trueResiduals);
    }

    public HessianSettings withFdScale(double kappa) {
        return new HessianSettings(k, lanczosSteps, lanczosTolerance, powerMaxIterations, powerTolerance, seed,
                kappa, power, trueResiduals);
    }

    public HessianSettings withTrueResiduals(boolean on) {
        return new HessianSettings(k, lanczosSteps, lanczosTolerance, powerMaxIterations, powerTolerance, seed,
                fdScale, power, on);
    }

    /** The Lanczos step count for n parameters. */
    public int stepsFor(int n) {
        int wanted = lanczosSteps == 0 ? Math.max(2 * k, k + 30) : lanczosSteps;
        return Math.min(n, wanted);
    }
}
