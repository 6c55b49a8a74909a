package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The low-regularity Poisson problem of paper 000, section IV.B: -Delta u = f in the unit ball of R^3,
 * u = 0 on the sphere, u = sin(pi/2 (1 - |x|)), which is not differentiable at the origin. With the
 * radial Laplacian u'' + (d-1)/r u', f = (pi/2)^2 sin(pi/2 (1-r)) + (d-1)/r (pi/2) cos(pi/2 (1-r)) (for
 * d = 3 the paper's pi/|x| cos(...)); f grows like 1/r at the origin, so r is clamped at 1e-12.
 *
 * <p>Losses as for {@code poisson}: DGM eq. (2) and DRM eq. (3); the Ritz functional at u is
 * -1/2 int |grad u|^2 = -(pi^3/12 + pi/2) ~ -4.1547 in 3D. The paper's hard constraint is
 * u = (|x| - 1) NN(x) ({@code factor = radial}); {@code factor = quadratic} uses the smooth 1 - |x|^2.
 * With {@code hardBoundary = false} a boundary term (mean of u^2, or penalty * int u^2 ds) is used.
 */
public final class PoissonBall implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("poisson-ball",
            "-Laplace u = f in the unit ball of R^3, u = sin(pi/2 (1-|x|)) (kink at 0); DGM and DRM losses",
            "paper 000 section IV.B", Map.of("dim", 3, "hardBoundary", true, "penalty", 500.0,
                    "factor", "radial"), PoissonBall::new);

    private static final double R_MIN = 1e-12;

    private final int dim;
    private final boolean hard;
    private final double penalty;
    private final boolean radial;

    PoissonBall(ProblemParams p) {
        p.require(p.integer("dim") >= 1, "dim", "must be at least 1");
        p.require(p.number("penalty") > 0, "penalty", "must be positive");
        String factor = p.string("factor");
        p.require(factor.equals("radial") || factor.equals("quadratic"), "factor", "must be radial or quadratic");
        this.dim = p.integer("dim");
        this.hard = p.flag("hardBoundary");
        this.penalty = p.number("penalty");
        this.radial = factor.equals("radial");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return new Domain.Ball(dim, 1.0);
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.RESIDUAL, LossKind.ENERGY);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        return Support.interiorAndBoundary(hard);
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        return Support.poissonTerms(kind, hard, penalty);
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        NDArray r = Support.norm(set.x()).maximum(c.of(R_MIN));
        NDArray phase = c.one().sub(r);
        NDArray f = Support.sinPi(phase, 0.5, c).mul(c.of(Math.PI * Math.PI / 4))
                .add(Support.cosPi(phase, 0.5, c).div(r).mul(c.of((dim - 1) * Math.PI / 2)));
        set.put("f", f);
    }

    @Override
    public Optional<Ansatz> ansatz() {
        if (!hard) {
            return Optional.empty();
        }
        return Optional.of(radial ? PoissonBall::radialFactor : (x, c) -> {
            Jet s = null;
            for (int k = 0; k < dim; k++) {
                Jet q = Support.squareOf(x, k, c);
                s = s == null ? q : s.plus(q);
            }
            return Ansatzes.constant(1.0, x, c).minus(s);
        });
    }

    /**
     * B = |x| - 1 of the identity input jet: dB/dx_k = x_k / r, d^2B/dx_k^2 = (1 - x_k^2/r^2) / r
     * (r clamped at 1e-12; the origin has measure zero).
     */
    static Jet radialFactor(Jet x, Scalars c) {
        NDArray xv = x.value();
        NDArray r = Support.norm(xv).maximum(c.of(R_MIN));
        NDArray g = null;
        NDArray h = null;
        if (x.order() >= 1) {
            NDArray unit = xv.div(r);
            g = unit.transpose().expandDims(2);
            if (x.order() >= 2) {
                h = c.one().sub(unit.square()).div(r).transpose().expandDims(2);
            }
        }
        return new Jet(r.sub(c.one()), g, h, x.order());
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of((x, c) -> Support.sinPi(c.one().sub(Support.norm(x)), 0.5, c));
    }
}
