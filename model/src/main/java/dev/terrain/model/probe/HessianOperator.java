package dev.terrain.model.probe;

/**
 * A symmetric linear map v -> H v on host vectors of {@link #dimension()} entries: the Hessian of a
 * loss applied by {@link HessianFiniteDifference}, or a known matrix in tests. The eigen-solvers of
 * {@link HessianProbe} see the Hessian only through this interface.
 */
public interface HessianOperator {
    /** Number of parameters n. */
    int dimension();

    /** H v for a vector of {@link #dimension()} entries; {@code v} is not modified. */
    double[] apply(double[] v);

    /** A dense symmetric matrix as an operator (row-major {@code a[i][j]}), for tests and small problems. */
    static HessianOperator ofMatrix(double[][] a) {
        int n = a.length;
        for (double[] row : a) {
            if (row.length != n) {
                throw new IllegalArgumentException("matrix is not square: " + n + " rows, a row of " + row.length);
            }
        }
        return new HessianOperator() {
            @Override
            public int dimension() {
                return n;
            }

            @Override
            public double[] apply(double[] v) {
                if (v.length != n) {
                    throw new IllegalArgumentException("vector has " + v.length + " entries, operator " + n);
                }
                double[] out = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += a[i][j] * v[j];
                    }
                    out[i] = s;
                }
                return out;
            }
        };
    }
}
