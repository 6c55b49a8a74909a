package dev.terrain.model.nn;

import java.util.SplittableRandom;

/**
 * Box initialisation of paper 004 (section 4, Appendix B, Algorithms 2 and 3). Each output unit j
 * of a layer is a cut plane sigma(k_j (x - p_j) . n_j) (Fig. 3): a point p_j drawn uniformly in the
 * box [0, m]^in its input lives in, a unit normal n_j of uniform direction (a normalised N(0, I)
 * draw, Algorithm 2 lines 3-4), and a slope k_j chosen so that the unit's maximum over the box,
 * reached at the corner p_max = m max(0, sign(n_j)) (Lemma 1, eq. (20)), is a given top:
 * k_j = top / ((p_max - p_j) . n_j). Then W[:, j] = k_j n_j and b_j = -k_j n_j . p_j.
 *
 * <p>The sign of b: Algorithm 2 line 8 and section 4.1 step 4 print b = +k n . p, but the unit the
 * paper defines (Fig. 3, eq. (8)) is sigma(k (x - p) . n) = sigma(x . k n - k n . p), which needs
 * b = -k n . p; we follow the definition (with +k n . p the bounds of eq. (10) do not hold).
 *
 * <p>The guarantees hold for inputs in [0, 1]^d and sigma = ReLU: a plain layer maps [0, 1]^in into
 * [0, 1]^out with min 0 and max exactly 1 per unit (eq. (10)); a residual layer l maps
 * [0, m_l]^w into [0, m_l (1 + delta)]^w (eqs. (12)-(14)).
 */
final class BoxInit {
    private BoxInit() {}

    /**
     * Algorithm 2: a plain hidden layer whose input lies in [0, 1]^in; each unit's maximum over the
     * box is 1, eq. (8).
     */
    static Affine plain(int in, int out, SplittableRandom rng) {
        return cutPlanes(in, out, 1.0, 1.0, rng);
    }

    /**
     * Algorithm 3, residual layer l = 2..L of a network with L hidden layers, width w: the layer's
     * input lives in [0, m_l]^w with m_l = (1 + delta)^(l - 2) and delta = 1 / (L - 1), and each
     * unit's maximum over that box is delta m_l, eq. (12); so layer l maps [0, m_l]^w into
     * [0, m_{l+1}]^w (eq. (14)) and the hidden stack maps [0, 1]^d into [0, (1 + delta)^(L - 1)]^w,
     * inside [0, e]^w (eq. (15)).
     *
     * <p>The paper's constants disagree: Algorithm 3 line 5 writes m = (1 + 1/(L - 1))^l, eq. (16)
     * writes delta = 1/L and m = (1 + 1/L)^(l - 1), and neither m is the box of eq. (15) that layer
     * l's input lives in. We follow eqs. (12)-(15) with Algorithm 3 line 10's factor
     * delta = 1/(L - 1), and m_l as above, so the bound of eq. (15) is met exactly.
     */
    static Affine residual(int width, int l, int depth, SplittableRandom rng) {
        if (l < 2 || l > depth) {
            throw new IllegalArgumentException("residual layer " + l + " of " + depth + ": needs 2 <= l <= L");
        }
        double m = inputBox(l, depth);
        return cutPlanes(width, width, m, delta(depth) * m, rng);
    }

    /** delta = 1 / (L - 1), the growth allowed per residual layer. */
    static double delta(int depth) {
        return 1.0 / (depth - 1);
    }

    /** m_l = (1 + delta)^(l - 2): layer l's input lies in [0, m_l]^w. */
    static double inputBox(int l, int depth) {
        return Math.pow(1 + delta(depth), l - 2);
    }

    /** Units sigma(k (x - p) . n) with p ~ U[0, m]^in, whose maximum over [0, m]^in is {@code top}. */
    static Affine cutPlanes(int in, int out, double m, double top, SplittableRandom rng) {
        double[] w = new double[in * out];
        double[] b = new double[out];
        double[] p = new double[in];
        double[] n = new double[in];
        for (int j = 0; j < out; j++) {
            double reach;
            do {
                reach = drawUnit(p, n, m, rng);
                // (p_max - p) . n > 0 unless every term vanishes, which a continuous draw avoids.
            } while (!(reach > 0));
            double k = top / reach;
            double np = 0;
            for (int i = 0; i < in; i++) {
                w[i * out + j] = k * n[i];
                np += n[i] * p[i];
            }
            b[j] = -k * np;
        }
        return new Affine(in, out, w, b);
    }

    /** Draws p and the unit normal n in place; returns (p_max - p) . n with p_max of Lemma 1. */
    private static double drawUnit(double[] p, double[] n, double m, SplittableRandom rng) {
        double norm = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = m * rng.nextDouble();
        }
        for (int i = 0; i < n.length; i++) {
            n[i] = Initializer.gaussian(rng);
            norm += n[i] * n[i];
        }
        norm = Math.sqrt(norm);
        double reach = 0;
        for (int i = 0; i < n.length; i++) {
            n[i] /= norm;
            double corner = n[i] > 0 ? m : 0;
            reach += (corner - p[i]) * n[i];
        }
        return reach;
    }
}
