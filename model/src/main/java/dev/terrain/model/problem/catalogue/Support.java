package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.tensor.Scalars;

/** Small pieces shared by the catalogue entries: scalar fields of the points and common terms. */
final class Support {
    private Support() {}

    /** sin(a pi x), elementwise. */
    static NDArray sinPi(NDArray x, double a, Scalars c) {
        return x.mul(c.of(a * Math.PI)).sin();
    }

    /** cos(a pi x), elementwise. */
    static NDArray cosPi(NDArray x, double a, Scalars c) {
        return x.mul(c.of(a * Math.PI)).cos();
    }

    /** Column k of x [B, d], shape [B, 1]. */
    static NDArray column(NDArray x, int k) {
        return x.get(new ai.djl.ndarray.index.NDIndex(":, {}:{}", k, k + 1));
    }

    /** prod_i sin(a pi x_i) over the columns of x, shape [B, 1]. */
    static NDArray sinesPi(NDArray x, double a, Scalars c) {
        return sinPi(x, a, c).prod(new int[] {1}, true);
    }

    /** |x| of the rows of x [B, d], shape [B, 1]. */
    static NDArray norm(NDArray x) {
        return x.square().sum(new int[] {1}, true).sqrt();
    }

    /** The term (u - g)^2 with g the set's field {@code target} (a data or Dirichlet misfit), order 0. */
    static LossTerm misfit(String name, String set, String target) {
        return new LossTerm(name, set, 0, (u, p, c) -> u.value().sub(p.field(target)).square());
    }

    /** The term u^2 (homogeneous Dirichlet data), scaled by {@code lambda} unless it is 1. */
    static LossTerm zero(String name, String set, double lambda) {
        return new LossTerm(name, set, 0, (u, p, c) ->
                lambda == 1.0 ? u.value().square() : u.value().square().mul(c.of(lambda)));
    }

    /** The jet of x_k^2. */
    static Jet squareOf(Jet x, int k, Scalars c) {
        Jet xk = Ansatzes.coordinate(x, k);
        return xk.times(xk, c);
    }
}
