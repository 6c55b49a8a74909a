package dev.terrain.model.probe;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** Dense Hessians for the tests: by columns of an operator, and a fourth-order finite-difference reference. */
final class HessianDense {
    private HessianDense() {}

    /** Column j is H e_j. */
    static double[][] ofOperator(HessianOperator op) {
        int n = op.dimension();
        double[][] h = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1;
            double[] col = op.apply(e);
            for (int i = 0; i < n; i++) {
                h[i][j] = col[i];
            }
        }
        return h;
    }

    /**
     * Fourth-order central differences of the gradient, column by column:
     * H e_j = (8 (g(+h) - g(-h)) - (g(+2h) - g(-2h))) / (12 h), truncation h^4 g^(5) / 30, with
     * h = {@code kappa} max(1, |theta|). kappa ~ u^(1/5) = 7.4e-4 balances truncation and rounding
     * at about 1e-12 relative, two orders below the second-order probe's error.
     */
    static double[][] fourthOrder(HessianFiniteDifference op, double kappa) {
        int n = op.dimension();
        double[] theta = op.theta();
        double h = kappa * Math.max(1.0, op.thetaNorm());
        double[][] out = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] g1p = op.gradientAt(shift(theta, j, h));
            double[] g1m = op.gradientAt(shift(theta, j, -h));
            double[] g2p = op.gradientAt(shift(theta, j, 2 * h));
            double[] g2m = op.gradientAt(shift(theta, j, -2 * h));
            for (int i = 0; i < n; i++) {
                out[i][j] = (8 * (g1p[i] - g1m[i]) - (g2p[i] - g2m[i])) / (12 * h);
            }
        }
        return out;
    }

    private static double[] shift(double[] theta, int j, double h) {
        double[] p = theta.clone();
        p[j] += h;
        return p;
    }

    static double[][] symmetrised(double[][] a) {
        int n = a.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = 0.5 * (a[i][j] + a[j][i]);
            }
        }
        return s;
    }

    /** Eigenvalues of a symmetric matrix by EJML, descending. */
    static double[] eigenvalues(double[][] a) {
        int n = a.length;
        DMatrixRMaj m = new DMatrixRMaj(a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(m)) {
            throw new IllegalStateException("EJML failed");
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(v);
        for (int i = 0; i < n / 2; i++) {
            double t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
        return v;
    }

    static double[] times(double[][] a, double[] v) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < v.length; j++) {
                s += a[i][j] * v[j];
            }
            out[i] = s;
        }
        return out;
    }

    static double frobenius(double[][] a) {
        double s = 0;
        for (double[] row : a) {
            for (double x : row) {
                s += x * x;
            }
        }
        return Math.sqrt(s);
    }

    static double[][] minus(double[][] a, double[][] b) {
        double[][] d = new double[a.length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                d[i][j] = a[i][j] - b[i][j];
            }
        }
        return d;
    }

    static double norm(double[] v) {
        return HessianFiniteDifference.norm(v);
    }

    static double relativeError(double[] a, double[] ref) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - ref[i]) * (a[i] - ref[i]);
        }
        return Math.sqrt(s) / norm(ref);
    }
}
