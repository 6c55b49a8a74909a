package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;

/**
 * A named loss term: sum_i w_i g(u)(x_i) over the points of one set, where g is the
 * {@link Integrand} (a squared residual or an energy density) and {@code order} is the jet order g
 * needs (0: u, 1: grad u, 2: second derivatives).
 *
 * <p>A term made by {@link #linear} is a linear least-squares term g = scale r(u)^2 whose residual
 * r(u) = L[u] - f is affine in the jet of u: LSGD (paper 004 eq. (6)) solves for the output layer from
 * it. Terms built with the plain constructor (energies, nonlinear residuals) carry no residual.
 *
 * @param residual r for a linear least-squares term, else null
 * @param scale the constant factor of a least-squares term (e.g. paper 004's eps), 1 otherwise
 */
public record LossTerm(String name, String pointSet, int order, Integrand integrand, Integrand residual,
        double scale) {

    public LossTerm(String name, String pointSet, int order, Integrand integrand) {
        this(name, pointSet, order, integrand, null, 1.0);
    }

    /** The term scale * r(u)^2 (summed over outputs) with r affine in the jet of u. */
    public static LossTerm linear(String name, String pointSet, int order, double scale, Integrand residual) {
        // r * r rather than square(): libtorch differentiates square as pow, a costlier reverse pass.
        Integrand g = scale == 1.0 ? (u, p, c) -> times(residual.apply(u, p, c))
                : (u, p, c) -> times(residual.apply(u, p, c)).mul(c.of(scale));
        return new LossTerm(name, pointSet, order, g, residual, scale);
    }

    private static ai.djl.ndarray.NDArray times(ai.djl.ndarray.NDArray r) {
        return r.mul(r);
    }

    /** Whether LSGD can assemble this term's rows (a weighted linear least-squares residual). */
    public boolean isLinearLeastSquares() {
        return residual != null;
    }

    /** The per-point value g(u)(x_i) (or r(u)(x_i)), shape [B, 1] (or [B, n] summed over outputs). */
    @FunctionalInterface
    public interface Integrand {
        NDArray apply(Jet u, PointSet points, Scalars c);
    }
}
