package dev.terrain.model.problem;

import java.util.function.Function;

/**
 * A function u: R^d -> R^n given by hand-derived formulas for its value, first derivatives and
 * diagonal second derivatives (test helper: the exact solutions of the catalogue).
 */
interface AnalyticField {
    int outputs();

    double[] value(double[] x);

    /** du/dx_k. */
    double[] d1(double[] x, int k);

    /** d^2u/dx_k^2. */
    double[] d2(double[] x, int k);

    /** A scalar field. */
    static AnalyticField scalar(Function<double[], Double> u, Partial ux, Partial uxx) {
        return new AnalyticField() {
            @Override
            public int outputs() {
                return 1;
            }

            @Override
            public double[] value(double[] x) {
                return new double[] {u.apply(x)};
            }

            @Override
            public double[] d1(double[] x, int k) {
                return new double[] {ux.at(x, k)};
            }

            @Override
            public double[] d2(double[] x, int k) {
                return new double[] {uxx.at(x, k)};
            }
        };
    }

    /** A vector-valued field known only by its values (order-0 terms, e.g. regression targets). */
    static AnalyticField values(int n, Function<double[], double[]> u) {
        return new AnalyticField() {
            @Override
            public int outputs() {
                return n;
            }

            @Override
            public double[] value(double[] x) {
                return u.apply(x);
            }

            @Override
            public double[] d1(double[] x, int k) {
                throw new UnsupportedOperationException("values only");
            }

            @Override
            public double[] d2(double[] x, int k) {
                throw new UnsupportedOperationException("values only");
            }
        };
    }

    @FunctionalInterface
    interface Partial {
        double at(double[] x, int k);
    }
}
