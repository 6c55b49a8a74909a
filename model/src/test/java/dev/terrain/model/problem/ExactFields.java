package dev.terrain.model.problem;

import static java.lang.Math.PI;
import static java.lang.Math.cos;
import static java.lang.Math.exp;
import static java.lang.Math.sin;
import static java.lang.Math.sqrt;

/** Hand-derived exact solutions of the catalogue with their derivatives (independent of the main code). */
final class ExactFields {
    private ExactFields() {}

    static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return sqrt(s);
    }

    /** u = sin(pi/2 (1 - r)): u_r = -pi/2 cos, u_rr = -(pi/2)^2 sin; d_k u = u_r x_k/r, d_kk u = u_rr x_k^2/r^2 + u_r (1/r - x_k^2/r^3). */
    static AnalyticField ball() {
        return AnalyticField.scalar(x -> sin(PI / 2 * (1 - norm(x))),
                (x, k) -> -PI / 2 * cos(PI / 2 * (1 - norm(x))) * x[k] / norm(x),
                (x, k) -> {
                    double r = norm(x);
                    double phase = PI / 2 * (1 - r);
                    double q = x[k] * x[k] / (r * r);
                    return -PI * PI / 4 * sin(phase) * q - PI / 2 * cos(phase) * (1 - q) / r;
                });
    }

    /** u = t^2 sin(pi x), coordinates (x, t). */
    static AnalyticField wave() {
        return AnalyticField.scalar(x -> x[1] * x[1] * sin(PI * x[0]),
                (x, k) -> k == 0 ? PI * x[1] * x[1] * cos(PI * x[0]) : 2 * x[1] * sin(PI * x[0]),
                (x, k) -> k == 0 ? -PI * PI * x[1] * x[1] * sin(PI * x[0]) : 2 * sin(PI * x[0]));
    }

    /** u = prod sin(k0 pi x_i) + a prod sin(k1 pi x_i). */
    static AnalyticField multiscale(double k0, double k1, double a) {
        return AnalyticField.scalar(x -> prodSin(x, k0, -1) + a * prodSin(x, k1, -1),
                (x, k) -> k0 * PI * cos(k0 * PI * x[k]) * prodSin(x, k0, k)
                        + a * k1 * PI * cos(k1 * PI * x[k]) * prodSin(x, k1, k),
                (x, k) -> -k0 * k0 * PI * PI * prodSin(x, k0, -1) - a * k1 * k1 * PI * PI * prodSin(x, k1, -1));
    }

    /** prod_{i != skip} sin(w pi x_i). */
    static double prodSin(double[] x, double w, int skip) {
        double p = 1;
        for (int i = 0; i < x.length; i++) {
            if (i != skip) {
                p *= sin(w * PI * x[i]);
            }
        }
        return p;
    }

    /** y = (1 - e^{x/eps}) / (e^{1/eps} - 1) + sin(pi x / 2), written as e^{(x-1)/eps} terms. */
    static AnalyticField perturbed(double eps) {
        double den = 1 - exp(-1 / eps);
        return AnalyticField.scalar(x -> (exp(-1 / eps) - exp((x[0] - 1) / eps)) / den + sin(PI * x[0] / 2),
                (x, k) -> -exp((x[0] - 1) / eps) / (eps * den) + PI / 2 * cos(PI * x[0] / 2),
                (x, k) -> -exp((x[0] - 1) / eps) / (eps * eps * den) - PI * PI / 4 * sin(PI * x[0] / 2));
    }

    /** u = sin(a1 pi x) sin(a2 pi y). */
    static AnalyticField helmholtz(double a1, double a2) {
        return multiscaleLike(a1, a2);
    }

    private static AnalyticField multiscaleLike(double a1, double a2) {
        double[] a = {a1, a2};
        return AnalyticField.scalar(x -> sin(a1 * PI * x[0]) * sin(a2 * PI * x[1]),
                (x, k) -> a[k] * PI * cos(a[k] * PI * x[k]) * sin(a[1 - k] * PI * x[1 - k]),
                (x, k) -> -a[k] * a[k] * PI * PI * sin(a1 * PI * x[0]) * sin(a2 * PI * x[1]));
    }

    static double tent(double s, double center, double radius) {
        return Math.max(0, 1 - Math.abs(s - center) / radius);
    }

    static double tentSlope(double s, double center, double radius) {
        return Math.abs(s - center) < radius ? -Math.signum(s - center) / radius : 0;
    }

    /** u = u0(foot), foot = x - t (a = 1) or x e^{-t} (a = x); u0'' = 0 away from the kinks, so u_tt = u0' x e^{-t} for a = x. */
    static AnalyticField transport(boolean linear, double center, double radius) {
        return AnalyticField.scalar(x -> tent(foot(x, linear), center, radius),
                (x, k) -> {
                    double slope = tentSlope(foot(x, linear), center, radius);
                    if (!linear) {
                        return k == 0 ? slope : -slope;
                    }
                    return k == 0 ? slope * exp(-x[1]) : -slope * x[0] * exp(-x[1]);
                },
                (x, k) -> linear && k == 1 ? tentSlope(foot(x, true), center, radius) * x[0] * exp(-x[1]) : 0.0);
    }

    static double foot(double[] x, boolean linear) {
        return linear ? x[0] * exp(-x[1]) : x[0] - x[1];
    }

    /** sqrt(2n+1) P_n(2x - 1), n < k, from the explicit Legendre polynomials P_0 .. P_5. */
    static AnalyticField legendre(int k) {
        return AnalyticField.values(k, x -> {
            double s = 2 * x[0] - 1;
            double[] p = {1, s, (3 * s * s - 1) / 2, (5 * s * s * s - 3 * s) / 2,
                (35 * s * s * s * s - 30 * s * s + 3) / 8, (63 * Math.pow(s, 5) - 70 * s * s * s + 15 * s) / 8};
            double[] out = new double[k];
            for (int n = 0; n < k; n++) {
                out[n] = sqrt(2 * n + 1) * p[n];
            }
            return out;
        });
    }
}
