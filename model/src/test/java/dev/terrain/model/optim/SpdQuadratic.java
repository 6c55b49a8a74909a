package dev.terrain.model.optim;

import java.util.SplittableRandom;

/**
 * f = x.A x / 2 - b.x with A = Q diag(lambda) Q^T, lambda log-spaced over [1, condition], shifted by the
 * constant b.A^-1 b / 2 so that f* = 0. Unshifted, f* = -0.77 here and near x* decreases of f below its
 * rounding (1e-16) are invisible to the line search, and L-BFGS stalls about 1e-8 from x*.
 */
final class SpdQuadratic implements Lbfgs.Function {
    final double[][] a;
    final double[] b;
    final double[] minimiser;
    final double[][] inverse;

    SpdQuadratic(int n, double condition, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] q = orthonormalRows(n, rng);
        a = new double[n][n];
        inverse = new double[n][n];
        for (int k = 0; k < n; k++) {
            double lambda = Math.pow(condition, k / (n - 1.0));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i][j] += lambda * q[k][i] * q[k][j];
                    inverse[i][j] += q[k][i] * q[k][j] / lambda;
                }
            }
        }
        b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = rng.nextDouble(-1, 1);
        }
        minimiser = new double[n];
        for (int i = 0; i < n; i++) {
            minimiser[i] = Vectors.dot(inverse[i], b);
        }
    }

    /** Gram-Schmidt on random rows. */
    static double[][] orthonormalRows(int n, SplittableRandom rng) {
        double[][] q = new double[n][n];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                q[k][i] = rng.nextGaussian();
            }
            for (int j = 0; j < k; j++) {
                Vectors.addScaled(q[k], -Vectors.dot(q[k], q[j]), q[j]);
            }
            double norm = Math.sqrt(Vectors.dot(q[k], q[k]));
            for (int i = 0; i < n; i++) {
                q[k][i] /= norm;
            }
        }
        return q;
    }

    /** Returns f + b.A^-1 b / 2 = r.A^-1 r / 2 with r = A x - b, the gradient. */
    @Override
    public double evaluate(double[] x, double[] grad) {
        for (int i = 0; i < x.length; i++) {
            grad[i] = Vectors.dot(a[i], x) - b[i];
        }
        double f = 0;
        for (int i = 0; i < x.length; i++) {
            f += grad[i] * Vectors.dot(inverse[i], grad) / 2;
        }
        return f;
    }
}
