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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The singularly perturbed boundary value problem of paper 002, eq. (19), section 4.1:
 * -eps y'' + y' = f on (0,1), y(0) = y(1) = 0, with y = (1 - e^{x/eps}) / (e^{1/eps} - 1) + sin(pi x / 2),
 * evaluated in the overflow-free form (e^{-1/eps} - e^{(x-1)/eps}) / (1 - e^{-1/eps}) + sin(pi x / 2).
 * The exponential part solves the homogeneous equation, so f = eps (pi/2)^2 sin(pi x/2) + (pi/2) cos(pi x/2).
 * For eps = 0.01 y has a boundary layer of width eps at x = 1; the paper uses eps = 2 and 0.01.
 *
 * <p>The paper's PINN loss: 1/2 [y(0)^2 + y(1)^2] (term {@code boundary}, the mean over the two
 * boundary points) + the mean squared residual (term {@code pde}). The operator is not symmetric, so
 * there is no Ritz loss. Optional hard constraint y = x(x-1) NN ({@code hardBoundary}).
 */
public final class PerturbedOde implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("perturbed-ode",
            "-eps y'' + y' = f on (0,1), y(0) = y(1) = 0, boundary layer at x = 1 for small eps; PINN",
            "paper 002 eq. (19)", Map.of("eps", 2.0, "hardBoundary", false), PerturbedOde::new);

    private final double eps;
    private final boolean hard;

    PerturbedOde(ProblemParams p) {
        p.require(p.number("eps") > 0, "eps", "must be positive");
        this.eps = p.number("eps");
        this.hard = p.flag("hardBoundary");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return Domain.Box.unit(1);
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
                u.d1(0).sub(u.d2(0).mul(c.of(eps))).sub(p.field("f"))));
        if (!hard) {
            terms.add(Support.zero("boundary", "boundary", 1.0));
        }
        return terms;
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        NDArray x = set.x();
        NDArray f = Support.sinPi(x, 0.5, c).mul(c.of(eps * Math.PI * Math.PI / 4))
                .add(Support.cosPi(x, 0.5, c).mul(c.of(Math.PI / 2)));
        set.put("f", f);
    }

    @Override
    public Optional<Ansatz> ansatz() {
        return hard ? Optional.of((x, c) -> Ansatzes.cubeBubble(x, c)) : Optional.empty();
    }

    @Override
    public Optional<Solution> exact() {
        double small = Math.exp(-1 / eps);
        return Optional.of((x, c) -> x.sub(c.one()).mul(c.of(1 / eps)).exp().neg().add(c.of(small))
                .div(c.of(1 - small)).add(Support.sinPi(x, 0.5, c)));
    }
}
