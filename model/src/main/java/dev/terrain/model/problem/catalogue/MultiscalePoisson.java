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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Poisson's equation with a multi-scale solution (paper 002): -Delta u = f on (0,1)^d, u = 0 on the
 * boundary, u = prod_i sin(k0 pi x_i) + a prod_i sin(k1 pi x_i), so
 * f = d pi^2 (k0^2 prod sin(k0 pi x_i) + a k1^2 prod sin(k1 pi x_i)).
 * <ul>
 *   <li>{@code poisson1d-multiscale}: eq. (9), u_H = sin(2 pi x) + 0.1 sin(50 pi x) (section 2.2, Fig. 1;
 *       {@code amplitude = 0} gives the smooth u_L = sin(2 pi x));</li>
 *   <li>{@code poisson2d-multiscale}: eq. (20), u = sin(pi x) sin(pi y) + 0.1 sin(10 pi x) sin(10 pi y)
 *       (section 4.2).</li>
 * </ul>
 * The paper's loss is the vanilla PINN eq. (6): L_data (mean of (u - 0)^2 on boundary points, term
 * {@code boundary}) plus L_PDE (mean squared residual, term {@code pde}); omega_d, omega_f are the
 * run's term weights. (Eq. (20)'s printed loss has the residual u_xx + u_yy - f; with -Delta u = f the
 * residual is -u_xx - u_yy - f, used here.) Optional: a hard constraint prod x_i (x_i - 1) NN
 * ({@code hardBoundary}) and the Ritz (energy) loss as for {@code poisson}.
 */
public final class MultiscalePoisson implements Problem {
    public static final ProblemSpec SPEC_1D = spec("poisson1d-multiscale", 1, 2, 50,
            "-u'' = f on (0,1), u = sin(2 pi x) + 0.1 sin(50 pi x); PINN with boundary data term", "paper 002 eq. (9)");
    public static final ProblemSpec SPEC_2D = spec("poisson2d-multiscale", 2, 1, 10,
            "-Laplace u = f on (0,1)^2, u = sin(pi x) sin(pi y) + 0.1 sin(10 pi x) sin(10 pi y); PINN",
            "paper 002 eq. (20)");

    private static ProblemSpec spec(String id, int dim, int k0, int k1, String summary, String source) {
        return new ProblemSpec(id, summary, source, Map.of("baseFrequency", k0, "highFrequency", k1,
                "amplitude", 0.1, "hardBoundary", false, "penalty", 500.0), p -> new MultiscalePoisson(id, dim, p));
    }

    private final String id;
    private final int dim;
    private final int k0;
    private final int k1;
    private final double amplitude;
    private final boolean hard;
    private final double penalty;

    MultiscalePoisson(String id, int dim, ProblemParams p) {
        p.require(p.integer("baseFrequency") >= 1, "baseFrequency", "must be a positive integer");
        p.require(p.integer("highFrequency") >= 1, "highFrequency", "must be a positive integer");
        p.require(p.number("penalty") > 0, "penalty", "must be positive");
        this.id = id;
        this.dim = dim;
        this.k0 = p.integer("baseFrequency");
        this.k1 = p.integer("highFrequency");
        this.amplitude = p.number("amplitude");
        this.hard = p.flag("hardBoundary");
        this.penalty = p.number("penalty");
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
        NDArray low = Support.sinesPi(set.x(), k0, c).mul(c.of((double) k0 * k0));
        NDArray high = Support.sinesPi(set.x(), k1, c).mul(c.of(amplitude * k1 * k1));
        set.put("f", low.add(high).mul(c.of(dim * Math.PI * Math.PI)));
    }

    @Override
    public Optional<Ansatz> ansatz() {
        return hard ? Optional.of((x, c) -> Ansatzes.cubeBubble(x, c)) : Optional.empty();
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of((x, c) -> Support.sinesPi(x, k0, c)
                .add(Support.sinesPi(x, k1, c).mul(c.of(amplitude))));
    }
}
