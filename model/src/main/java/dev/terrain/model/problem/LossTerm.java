package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;

/**
 * A named loss term: sum_i w_i g(u)(x_i) over the points of one set, where g is the
 * {@link Integrand} (a squared residual or an energy density) and {@code order} is the jet order g
 * needs (0: u, 1: grad u, 2: second derivatives).
 */
public record LossTerm(String name, String pointSet, int order, Integrand integrand) {

    /** The per-point value g(u)(x_i), shape [B, 1] (or [B, n] summed over outputs). */
    @FunctionalInterface
    public interface Integrand {
        NDArray apply(Jet u, PointSet points, Scalars c);
    }
}
