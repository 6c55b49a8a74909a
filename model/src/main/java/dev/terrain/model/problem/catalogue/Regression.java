package dev.terrain.model.problem.catalogue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 * Regression benchmarks, loss eq. (2) of paper 004: the mean over the {@code interior} points of
 * |u - target|^2 (summed over outputs, eq. (18) for several targets), one term {@code data}.
 * <ul>
 *   <li>{@code sine}: sin(2 pi x) on [0,1] (paper 004 sections 3, 4 and 5.1, u2);</li>
 *   <li>{@code step}: the discontinuous u1 = x for x < 1/2, 1 - 3/4 x^2 for x >= 1/2 on [0,1]
 *       (paper 004 eq. (17));</li>
 *   <li>{@code legendre}: the first k shifted Legendre polynomials sqrt(2n+1) P_n(2x - 1), n < k, on [0,1],
 *       normalised in L^2(0,1) (paper 004 section 5.2; its Fig. 11 uses 6); output dimension k;</li>
 *   <li>{@code multiscale}: (x^3 - x) sin(4x)/4 + sin(12x)/(x^2 + 1) on [-3,3] (paper 002 eq. (45));</li>
 *   <li>{@code jump}: sin(4x) for x <= 0, 2 + x sin x for x > 0 on [-3,3] (paper 002 eq. (46)).</li>
 * </ul>
 */
public final class Regression implements Problem {
    public static final List<String> TARGETS = List.of("sine", "step", "legendre", "multiscale", "jump");
    public static final ProblemSpec SPEC = new ProblemSpec("regression",
            "fit sin(2 pi x), a discontinuous target or the first k Legendre polynomials (multi-output)",
            "paper 004 eqs. (2), (17), (18); paper 002 eqs. (45), (46)", Map.of("target", "sine", "k", 4),
            Regression::new);

    private final String target;
    private final int k;

    Regression(ProblemParams p) {
        p.require(TARGETS.contains(p.string("target")), "target", "must be one of " + String.join(", ", TARGETS));
        p.require(p.integer("k") >= 1, "k", "must be at least 1");
        this.target = p.string("target");
        this.k = p.integer("k");
    }

    @Override
    public String id() {
        return SPEC.id();
    }

    @Override
    public Domain domain() {
        boolean wide = target.equals("multiscale") || target.equals("jump");
        return wide ? Domain.Box.cube(1, -3, 3) : Domain.Box.unit(1);
    }

    @Override
    public int outputDim() {
        return target.equals("legendre") ? k : 1;
    }

    @Override
    public List<LossKind> lossKinds() {
        return List.of(LossKind.RESIDUAL);
    }

    @Override
    public Map<String, Region> pointSets(LossKind kind) {
        return Map.of("interior", Region.INTERIOR);
    }

    @Override
    public List<LossTerm> terms(LossKind kind) {
        return List.of(LossTerm.linear("data", "interior", 0, 1.0, (u, p, c) -> u.value().sub(p.field("target"))));
    }

    @Override
    public void prepare(PointSet set, Scalars c) {
        set.put("target", target(set.x(), c));
    }

    /** The target at x [B, 1], shape [B, outputDim]. */
    NDArray target(NDArray x, Scalars c) {
        switch (target) {
            case "sine":
                return Support.sinPi(x, 2, c);
            case "step":
                return NDArrays.where(x.lt(c.of(0.5)), x, c.one().sub(x.square().mul(c.of(0.75))));
            case "multiscale":
                return x.mul(x.square().sub(c.one())).mul(x.mul(c.of(4.0)).sin()).mul(c.of(0.25))
                        .add(x.mul(c.of(12.0)).sin().div(x.square().add(c.one())));
            case "jump":
                return NDArrays.where(x.lte(c.of(0.0)), x.mul(c.of(4.0)).sin(), x.mul(x.sin()).add(c.two()));
            default:
                return legendre(x, c);
        }
    }

    private NDArray legendre(NDArray x, Scalars c) {
        NDArray s = x.mul(c.two()).sub(c.one());
        NDList out = new NDList();
        NDArray previous = null;
        NDArray current = s.onesLike();
        for (int n = 0; n < k; n++) {
            out.add(current.mul(c.of(Math.sqrt(2.0 * n + 1))));
            NDArray next = n == 0 ? s
                    : current.mul(s).mul(c.of((2.0 * n + 1) / (n + 1))).sub(previous.mul(c.of((double) n / (n + 1))));
            previous = current;
            current = next;
        }
        return NDArrays.concat(out, 1);
    }

    @Override
    public Optional<Solution> exact() {
        return Optional.of(this::target);
    }
}
