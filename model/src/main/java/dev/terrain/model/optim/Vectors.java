package dev.terrain.model.optim;

/** The few operations on host vectors that {@link Lbfgs} needs, as plain sequential loops. */
final class Vectors {
    private Vectors() {}

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** max_i |a_i| (0 for an empty vector). */
    static double maxAbs(double[] a) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** max_i |t a_i|. */
    static double maxAbs(double[] a, double t) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v * t));
        }
        return max;
    }

    /** sum_i |a_i|. */
    static double sumAbs(double[] a) {
        double sum = 0;
        for (double v : a) {
            sum += Math.abs(v);
        }
        return sum;
    }

    /** alpha a, a new vector. */
    static double[] scaled(double[] a, double alpha) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] * alpha;
        }
        return r;
    }

    /** a - b, a new vector. */
    static double[] minus(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    /** a += alpha b. */
    static void addScaled(double[] a, double alpha, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += alpha * b[i];
        }
    }

    /** out = x + t d. */
    static void pointOnLine(double[] x, double t, double[] d, double[] out) {
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + t * d[i];
        }
    }
}
