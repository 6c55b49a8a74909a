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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The 2D Helmholtz benchmark of paper 001 ("Gradient pathologies", fabricated solution): Delta u + k^2 u = q
 * on (-1,1)^2, u = h on the boundary, u = sin(a1 pi x) sin(a2 pi y), so
 * q = (k^2 - (a1^2 + a2^2) pi^2) u; defaults a1 = 1, a2 = 4, k = 1 (the slides fix a1, a2 but not k;
 * k = 1 is the value of Wang, Teng and Perdikaris). Paper 002 eq. (21), section 4.3 uses the same
 * solution with k = 4 ({@code k = 4}).
 *
 * <p>PINN loss as in both papers: {@code pde} (mean of (Delta u + k^2 u - q)^2) and the soft boundary term
 * {@code boundary} (mean of (u - h)^2, h = u on the boundary); paper 001's learning-rate annealing acts
 * on the weight of {@code boundary}. Optional hard constraint (1 - x^2)(1 - y^2) NN for integer a1, a2.
 */
public final class Helmholtz2d implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("helmholtz2d",
            "Laplace u + k^2 u = q on (-1,1)^2, u = sin(a1 pi x) sin(a2 pi y); PINN with boundary term",
            "paper 001; paper 002 eq. (21)", Map.of("a1", 1.0, "a2", 4.0, "k", 1.0, "hardBoundary", false),
            Helmholtz2d::new);

    private final double a1;
    private final double a2;
    private final double k;
    private final boolean hard;

    Helmholtz2d(ProblemParams p) {
        this.a1 = p.number("a1");
        this.a2 = p.number("a2");
        this.k = p.number("k");
        this.hard = p.flag("hardBoundary");
        p.require(!hard || a1 == Math.rint(a1), "a1", "must be an integer with hardBoundary (u = 0 on the boundary)");
        p.require(!hard || a2 == Math.rint(a2), "a2", "must be an integer with hardBoundary (u = 0 on the boundary)");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return Domain.Box.cube(2, -1, 1);
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.RESIDUAL);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        return Support.interiorAndBoundary(hard);
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        List<LossTerm> terms = new ArrayList<>();
        terms.add(LossTerm.linear("pde", "interior", 2, 1.0, (u, p, c) ->
                u.laplacian().add(u.value().mul(c.of(k * k))).sub(p.field("q"))));
        if (!hard) {
            terms.add(Support.misfit("boundary", "boundary", "h"));
        }
        return terms;
    }

    private NDArray solution(NDArray x, Scalars c) {
        return Support.sinPi(Support.column(x, 0), a1, c).mul(Support.sinPi(Support.column(x, 1), a2, c));
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        NDArray u = solution(set.x(), c);
        set.put("h", u);
        set.put("q", u.mul(c.of(k * k - (a1 * a1 + a2 * a2) * Math.PI * Math.PI)));
    }

    @Override
    public Optional<Ansatz> ansatz() {
        if (!hard) {
            return Optional.empty();
        }
        return Optional.of((x, c) -> {
            Jet one = Ansatzes.constant(1.0, x, c);
            return one.minus(Support.squareOf(x, 0, c)).times(one.minus(Support.squareOf(x, 1, c)), c);
        });
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of(this::solution);
    }
}
