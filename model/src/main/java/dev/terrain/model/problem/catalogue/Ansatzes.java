package dev.terrain.model.problem.catalogue;

import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;

/** Jet expressions of the common hard-constraint factors B(x). */
final class Ansatzes {
    private Ansatzes() {}

    /** The coordinate x_k as a jet [B, 1]. */
    static Jet coordinate(Jet x, int k) {
        return x.slice(k, k + 1);
    }

    /** The constant a as a jet. */
    static Jet constant(double a, Jet like, Scalars c) {
        return Jet.constant(c.of(a), like.order());
    }

    /** B = prod_i x_i (x_i - 1) over the given axes, zero on the faces x_i = 0 and x_i = 1 (paper 000). */
    static Jet cubeBubble(Jet x, Scalars c, int... axes) {
        int d = (int) x.value().getShape().get(1);
        int[] use = axes.length == 0 ? java.util.stream.IntStream.range(0, d).toArray() : axes;
        Jet b = null;
        for (int k : use) {
            Jet xk = coordinate(x, k);
            Jet factor = xk.times(xk.minus(constant(1.0, x, c)), c);
            b = b == null ? factor : b.times(factor, c);
        }
        return b;
    }
}
