package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.problem.Ansatz;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.problem.ProblemParams;
import dev.terrain.model.problem.ProblemSpec;
import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.Region;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The non-convex multi-well energies of paper 003, section 4, minimised by the Deep Ritz method with the
 * Dirichlet condition u = 0 imposed by the penalty of eq. (4): I = int_D W + lambda int_{dD} u^2 ds,
 * lambda = 500 (terms {@code energy} and {@code boundary}, both integrals with the region's measure).
 * <ul>
 *   <li>{@code energy-doublewell}, eq. (15): W = (u_x^2 - 1)^2 on (0,1). Minimum 0, attained by every
 *       Lipschitz u with u_x = +-1 a.e. and u(0) = u(1) = 0 (e.g. min(x, 1 - x)), so not unique;</li>
 *   <li>{@code energy-doublewell-l2}, eq. (17): W = (u_x^2 - 1)^2 + u^2 on (0,1). Infimum 0, not
 *       attained (minimising sequences oscillate and tend weakly to 0);</li>
 *   <li>{@code energy-2d}, eq. (18): W = u_x^2 + (u_y^2 - 1)^2 on (0,1)^2 (twin branching). Infimum 0, not
 *       attained;</li>
 *   <li>{@code energy-2d-curvature}, eq. (19): W = u_x^2 + (u_y^2 - 1)^2 + eps^2 u_yy^2, eps = 0.1/16
 *       (Fig. 9; Fig. 10 uses 0.1/4). A minimiser exists; its energy is positive and not known in
 *       closed form.</li>
 * </ul>
 * None has an exact solution to compare with. Optional hard constraint prod x_i (x_i - 1) NN
 * ({@code hardBoundary}, not used by the paper).
 */
public final class MultiWell implements Problem {
    public static final ProblemSpec DOUBLE_WELL = spec("energy-doublewell", 1, false, false,
            "min int_0^1 (u_x^2 - 1)^2, u(0) = u(1) = 0; Deep Ritz with penalty 500", "paper 003 eq. (15)");
    public static final ProblemSpec DOUBLE_WELL_L2 = spec("energy-doublewell-l2", 1, true, false,
            "min int_0^1 (u_x^2 - 1)^2 + u^2, u(0) = u(1) = 0 (no minimiser); Deep Ritz", "paper 003 eq. (17)");
    public static final ProblemSpec TWIN_2D = spec("energy-2d", 2, false, false,
            "min int u_x^2 + (u_y^2 - 1)^2 on (0,1)^2, u = 0 on the boundary (twin branching); Deep Ritz",
            "paper 003 eq. (18)");
    public static final ProblemSpec TWIN_2D_CURVATURE = spec("energy-2d-curvature", 2, false, true,
            "min int u_x^2 + (u_y^2 - 1)^2 + eps^2 u_yy^2 on (0,1)^2, u = 0 on the boundary; Deep Ritz",
            "paper 003 eq. (19)");

    private static ProblemSpec spec(String id, int dim, boolean l2, boolean curvature, String summary, String source) {
        Map<String, Object> defaults = new HashMap<>(Map.of("penalty", 500.0, "hardBoundary", false));
        if (curvature) {
            defaults.put("eps", 0.1 / 16);
        }
        return new ProblemSpec(id, summary, source, Map.copyOf(defaults),
                p -> new MultiWell(id, dim, l2, curvature ? p.number("eps") : 0.0, p));
    }

    private final String id;
    private final int dim;
    private final boolean l2;
    private final double eps;
    private final double penalty;
    private final boolean hard;

    MultiWell(String id, int dim, boolean l2, double eps, ProblemParams p) {
        p.require(p.number("penalty") > 0, "penalty", "must be positive");
        p.require(eps >= 0, "eps", "must be non-negative");
        this.id = id;
        this.dim = dim;
        this.l2 = l2;
        this.eps = eps;
        this.penalty = p.number("penalty");
        this.hard = p.flag("hardBoundary");
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Domain domain() {
        return Domain.Box.unit(dim);
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.ENERGY);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        return Support.interiorAndBoundary(hard);
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        List<LossTerm> terms = new ArrayList<>();
        terms.add(new LossTerm("energy", "interior", eps != 0.0 ? 2 : 1, (u, p, c) -> density(u, c)));
        if (!hard) {
            terms.add(Support.zero("boundary", "boundary", penalty));
        }
        return terms;
    }

    private NDArray density(dev.terrain.model.jet.Jet u, Scalars c) {
        // The last axis is the one with the wells: x in 1D, y in 2D.
        int well = dim - 1;
        NDArray w = u.d1(well).square().sub(c.one()).square();
        if (dim == 2) {
            w = w.add(u.d1(0).square());
        }
        if (l2) {
            w = w.add(u.value().square());
        }
        if (eps != 0.0) {
            w = w.add(u.d2(well).square().mul(c.of(eps * eps)));
        }
        return w;
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        // No theta-independent fields.
    }

    @Override
    public Optional<Ansatz> ansatz() {
        return hard ? Optional.of((x, c) -> Ansatzes.cubeBubble(x, c)) : Optional.empty();
    }
}
