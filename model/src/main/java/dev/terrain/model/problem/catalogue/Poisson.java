package dev.terrain.model.problem.catalogue;

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
 * Poisson's equation -Delta u = f on (0,1)^d, u = 0 on the boundary, with u = prod_i sin(pi x_i) and
 * f = d pi^2 prod_i sin(pi x_i) (paper 000, section IV). DGM loss eq. (2): int (-Delta u - f)^2;
 * DRM loss eq. (3): int 1/2 |grad u|^2 - f u, whose minimum in 1D is -pi^2/4. The boundary condition is
 * exact through u = prod_i x_i (x_i - 1) NN(x) when {@code hardBoundary}, else a penalty term.
 */
public final class Poisson implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("poisson",
            "-Laplace u = f on (0,1)^d, u = prod sin(pi x_i); DGM and DRM losses", "paper 000",
            Map.of("dim", 1, "hardBoundary", true, "penalty", 500.0), Poisson::new);

    private final int dim;
    private final boolean hard;
    private final double penalty;

    Poisson(ProblemParams p) {
        p.require(p.integer("dim") >= 1, "dim", "must be at least 1");
        p.require(p.number("penalty") > 0, "penalty", "must be positive");
        this.dim = p.integer("dim");
        this.hard = p.flag("hardBoundary");
        this.penalty = p.number("penalty");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return Domain.Box.unit(dim);
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
        set.put("f", Support.sinesPi(set.x(), 1.0, c).mul(c.of(dim * Math.PI * Math.PI)));
    }

    @Override
    public Optional<Ansatz> ansatz() {
        return hard ? Optional.of((x, c) -> Ansatzes.cubeBubble(x, c)) : Optional.empty();
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of((x, c) -> Support.sinesPi(x, 1.0, c));
    }
}
