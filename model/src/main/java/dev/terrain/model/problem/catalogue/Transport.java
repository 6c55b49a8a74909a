package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.problem.ProblemParams;
import dev.terrain.model.problem.ProblemSpec;
import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.Region;
import dev.terrain.model.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The linear transport PINN of paper 004, section 5.3: u_t + a(x,t) u_x = 0 on (x, t) in [0,1]^2,
 * u(x, 0) = u0(x), u(0, t) = 0. Input coordinate 0 is x, 1 is t. Loss eq. (19):
 * J = eps J1 + J2 + J3 with J1 the mean of (u_t + a u_x)^2 over the interior (term {@code pde}, eps
 * included), J2 the mean of (u(x,0) - u0)^2 on t = 0 ({@code initial}) and J3 the mean of u(0,t)^2 on
 * x = 0 ({@code inflow}); the paper draws all three on Cartesian grids (rule {@code grid}).
 *
 * <p>{@code speed = constant}: a = 1, u = u0(x - t) (paper: eps = 1); {@code speed = linear}: a = x,
 * u = u0(x e^{-t}) (paper: eps = W^{-1/2} for network width W). Eq. (19) prints the J1 integrand as
 * "d_t NN + d_x a NN"; the non-conservative a u_x is used, the form the stated exact solutions solve.
 * The paper's tent u0 in C_0 is not specified further; here u0 = max(0, 1 - |x - tentCenter| / tentRadius)
 * with centre 0.5 and radius 0.25 (it vanishes at x = 0, as the inflow condition needs).
 */
public final class Transport implements Problem {
    public static final ProblemSpec SPEC = new ProblemSpec("transport",
            "u_t + a u_x = 0 on [0,1]^2, tent u0, u(0,t) = 0, a = 1 or a = x; PINN loss eps J1 + J2 + J3",
            "paper 004 eq. (19)", Map.of("speed", "constant", "eps", 1.0, "tentCenter", 0.5, "tentRadius", 0.25),
            Transport::new);

    private final boolean linear;
    private final double eps;
    private final double center;
    private final double radius;

    Transport(ProblemParams p) {
        String speed = p.string("speed");
        p.require(speed.equals("constant") || speed.equals("linear"), "speed", "must be constant or linear");
        p.require(p.number("eps") > 0, "eps", "must be positive");
        p.require(p.number("tentRadius") > 0, "tentRadius", "must be positive");
        p.require(p.number("tentCenter") - p.number("tentRadius") >= 0, "tentCenter",
                "must be at least tentRadius (u0 must vanish at the inflow x = 0)");
        this.linear = speed.equals("linear");
        this.eps = p.number("eps");
        this.center = p.number("tentCenter");
        this.radius = p.number("tentRadius");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        return Domain.Box.unit(2);
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.RESIDUAL);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        Map<String, Region> sets = new LinkedHashMap<>();
        sets.put("interior", Region.INTERIOR);
        sets.put("initial", new Region.Face(1, 0.0));
        sets.put("inflow", new Region.Face(0, 0.0));
        return sets;
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        return List.of(
                LossTerm.linear("pde", "interior", 1, eps,
                        (u, p, c) -> u.d1(1).add(linear ? u.d1(0).mul(p.x(0)) : u.d1(0))),
                Support.misfit("initial", "initial", "u0"),
                Support.zero("inflow", "inflow", 1.0));
    }

    /** u0 at the foot of the characteristic through each point, shape [B, 1]. */
    private NDArray footValue(NDArray x, Scalars c) {
        NDArray xs = Support.column(x, 0);
        NDArray t = Support.column(x, 1);
        NDArray foot = linear ? xs.mul(t.neg().exp()) : xs.sub(t);
        return tent(foot, c);
    }

    private NDArray tent(NDArray x, Scalars c) {
        return c.one().sub(x.sub(c.of(center)).abs().div(c.of(radius))).maximum(c.of(0.0));
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        set.put("u0", tent(set.x(0), c));
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of(this::footValue);
    }
}
