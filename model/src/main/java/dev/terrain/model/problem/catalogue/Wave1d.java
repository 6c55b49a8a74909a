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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The 1D wave equation of paper 000, section IV.D: u_tt - u_xx = f on (x, t) in (0,1) x (0,T), u = 0 at
 * x = 0 and x = 1, u = u_t = 0 at t = 0, with u = t^2 sin(pi x), so f = (2 + pi^2 t^2) sin(pi x) (the paper
 * writes f(x), but it depends on t). Input coordinate 0 is x, 1 is t.
 *
 * <p>Only the DGM (residual) loss: the paper notes the wave equation has no variational form. The
 * paper's hard constraint u = t^2 x(1-x) NN(x, t) satisfies all boundary and initial conditions (here
 * B = t^2 x(x-1), the same up to the sign of NN). With {@code hardBoundary = false} soft terms are used
 * instead: {@code boundary} (u^2 on x = 0, 1), {@code initial} (u^2 at t = 0) and
 * {@code initialVelocity} (u_t^2 at t = 0), each a mean over its set.
 */
public final class Wave1d implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("wave1d",
            "u_tt - u_xx = f on (0,1) x (0,T), u = t^2 sin(pi x); DGM loss, hard ansatz t^2 x(1-x) NN",
            "paper 000 section IV.D", Map.of("hardBoundary", true, "T", 1.0), Wave1d::new);

    private final boolean hard;
    private final double horizon;

    Wave1d(ProblemParams p) {
        p.require(p.number("T") > 0, "T", "must be positive");
        this.hard = p.flag("hardBoundary");
        this.horizon = p.number("T");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return new Domain.Box(new double[] {0, 0}, new double[] {1, horizon});
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.RESIDUAL);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        Map<String, Region> sets = new LinkedHashMap<>();
        sets.put("interior", Region.INTERIOR);
        if (!hard) {
            sets.put("boundary", new Region.Faces(new Region.Face(0, 0.0), new Region.Face(0, 1.0)));
            sets.put("initial", new Region.Face(1, 0.0));
        }
        return sets;
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        List<LossTerm> terms = new ArrayList<>();
        terms.add(LossTerm.linear("pde", "interior", 2, 1.0, (u, p, c) -> u.d2(1).sub(u.d2(0)).sub(p.field("f"))));
        if (!hard) {
            terms.add(Support.zero("boundary", "boundary", 1.0));
            terms.add(Support.zero("initial", "initial", 1.0));
            terms.add(LossTerm.linear("initialVelocity", "initial", 1, 1.0, (u, p, c) -> u.d1(1)));
        }
        return terms;
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        NDArray t = set.x(1);
        set.put("f", t.square().mul(c.of(Math.PI * Math.PI)).add(c.two()).mul(Support.sinPi(set.x(0), 1, c)));
    }

    @Override
    public Optional<Ansatz> ansatz() {
        if (!hard) {
            return Optional.empty();
        }
        return Optional.of((x, c) -> Ansatzes.cubeBubble(x, c, 0).times(Support.squareOf(x, 1, c), c));
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of((x, c) -> {
            return Support.column(x, 1).square().mul(Support.sinPi(Support.column(x, 0), 1, c));
        });
    }
}
