package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.quad.Region;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        return LossTerm.linear(name, set, 0, 1.0, (u, p, c) -> u.value().sub(p.field(target)));
    }

    /** The term u^2 (homogeneous Dirichlet data), scaled by {@code lambda} unless it is 1. */
    static LossTerm zero(String name, String set, double lambda) {
        return LossTerm.linear(name, set, 0, lambda, (u, p, c) -> u.value());
    }

    /** An interior set and, unless the boundary condition is built into the ansatz, a boundary set. */
    static Map<String, Region> interiorAndBoundary(boolean hardBoundary) {
        Map<String, Region> sets = new LinkedHashMap<>();
        sets.put("interior", Region.INTERIOR);
        if (!hardBoundary) {
            sets.put("boundary", Region.BOUNDARY);
        }
        return sets;
    }

    /**
     * The terms of -Laplace u = f with u = 0 on the boundary (paper 000): DGM eq. (2), the squared residual
     * (-Delta u - f)^2, or DRM eq. (3), the Ritz density 1/2 |grad u|^2 - f u (the set's field {@code f});
     * without a hard ansatz, a boundary term u^2 (weighted by {@code penalty} in the energy form).
     */
    static List<LossTerm> poissonTerms(LossKind kind, boolean hardBoundary, double penalty) {
        List<LossTerm> terms = new ArrayList<>();
        if (kind == LossKind.RESIDUAL) {
            terms.add(LossTerm.linear("pde", "interior", 2, 1.0, (u, p, c) -> u.laplacian().neg().sub(p.field("f"))));
        } else {
            terms.add(new LossTerm("energy", "interior", 1, (u, p, c) ->
                    u.gradNormSquared().mul(c.of(0.5)).sub(p.field("f").mul(u.value()))));
        }
        if (!hardBoundary) {
            terms.add(zero("boundary", "boundary", kind == LossKind.RESIDUAL ? 1.0 : penalty));
        }
        return terms;
    }

    /** The jet of x_k^2. */
    static Jet squareOf(Jet x, int k, Scalars c) {
        Jet xk = Ansatzes.coordinate(x, k);
        return xk.times(xk, c);
    }
}
