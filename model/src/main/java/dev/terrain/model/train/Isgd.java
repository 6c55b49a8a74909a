package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Optimizer;
import dev.terrain.model.optim.OptimizerState;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Implicit stochastic gradient descent, paper 002 Algorithm 1 ("ISGD,Adam") and its "ISGD,L-BFGS"
 * variant. Steps n &lt; K0 are proximal-point steps, eq. (12):
 * theta_{n+1} = argmin_theta~ { 1/2 ||theta~ - theta_n||^2 + alpha L(theta~) }, solved approximately from
 * theta~_0 = theta_n by K1 inner iterations: Adam of rate gamma (Algorithm 1 lines 3-6) or one L-BFGS step
 * of at most K1 iterations (the "ISGD,L-BFGS" variant of section 2.4). Steps n &gt;= K0 are plain steps of
 * the outer method on L: Adam of rate eta (lines 9-11) or L-BFGS; with {@code train.steps} = K0 + K2
 * there are K2 of them. One training step is one n, so a proximal step costs K1 gradient evaluations.
 *
 * <p>The inner Adam keeps its moments from one proximal step to the next (one optimizer over theta~,
 * as a PyTorch implementation creates it once); its bias correction counts all inner updates.
 */
public final class Isgd implements TrainingMethod {
    private final double alpha;
    private final long k0;
    private final int k1;
    private final Optimizer innerAdam;
    private final LbfgsMethod innerLbfgs;
    /** The inner solver as a training method, for its state. */
    private final TrainingMethod inner;
    private final TrainingMethod outer;
    private final Parameters params;
    private final Scalars c;
    private long proximalSteps;
    private long evaluations;

    /**
     * @param alpha the ISGD learning rate alpha of eq. (12), positive
     * @param k0 K0, the number of proximal steps
     * @param k1 K1, inner iterations per proximal step, at least 1
     * @param innerAdam Adam of rate gamma for the sub-problem, or null to use {@code innerLbfgs}
     * @param innerLbfgs L-BFGS (maxIter = K1) for the sub-problem, when {@code innerAdam} is null
     * @param outer the method of the steps after K0 (Adam of rate eta, or L-BFGS)
     */
    public Isgd(double alpha, long k0, int k1, Optimizer innerAdam, LbfgsMethod innerLbfgs, TrainingMethod outer,
            Parameters params, Scalars c) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("optimizer.isgd.alpha must be positive, got " + alpha);
        }
        if (k0 < 0) {
            throw new IllegalArgumentException("optimizer.isgd.k0 must not be negative, got " + k0);
        }
        if (k1 < 1) {
            throw new IllegalArgumentException("optimizer.isgd.k1 must be at least 1 (K1 inner iterations per "
                    + "proximal step), got " + k1);
        }
        if ((innerAdam == null) == (innerLbfgs == null)) {
            throw new IllegalArgumentException("ISGD needs exactly one inner optimizer");
        }
        this.alpha = alpha;
        this.k0 = k0;
        this.k1 = k1;
        this.innerAdam = innerAdam;
        this.innerLbfgs = innerLbfgs;
        this.inner = innerAdam != null ? new FirstOrder(innerAdam, params) : innerLbfgs;
        this.outer = outer;
        this.params = params;
        this.c = c;
    }

    @Override
    public String id() {
        return "isgd";
    }

    @Override
    public LossValues step(StepFunction f, long step) {
        if (step >= k0) {
            long before = outer.evaluations();
            LossValues loss = outer.step(f, step - k0);
            evaluations += outer.evaluations() - before;
            return loss;
        }
        List<NDArray> anchor = new ArrayList<>();
        try (NoGrad off = new NoGrad()) {
            for (Param p : params.list()) {
                anchor.add(p.array().duplicate());
            }
        }
        UnaryOperator<NDArray> proximal = total -> proximalObjective(total, anchor);
        LossValues first;
        if (innerAdam != null) {
            first = f.lossAndGradient(proximal);
            innerAdam.update(params, proximalSteps);
            for (int k = 1; k < k1; k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    f.lossAndGradient(proximal);
                    innerAdam.update(params, proximalSteps);
                }
            }
            evaluations += k1;
        } else {
            long before = innerLbfgs.evaluations();
            first = innerLbfgs.minimise(f, proximal);
            evaluations += innerLbfgs.evaluations() - before;
        }
        proximalSteps++;
        return first;
    }

    /** 1/2 ||theta~ - theta_n||^2 + alpha L(theta~), eq. (12). */
    private NDArray proximalObjective(NDArray loss, List<NDArray> anchor) {
        NDArray distance = null;
        List<Param> list = params.list();
        for (int i = 0; i < list.size(); i++) {
            NDArray d = list.get(i).array().sub(anchor.get(i)).square().sum();
            distance = distance == null ? d : distance.add(d);
        }
        return loss.mul(c.of(alpha)).add(distance.mul(c.of(0.5)));
    }

    @Override
    public long evaluations() {
        return evaluations;
    }

    /** Proximal steps done so far (at most K0). */
    public long proximalSteps() {
        return proximalSteps;
    }

    @Override
    public OptimizerState state() {
        Map<String, Map<String, double[]>> buffers = new LinkedHashMap<>();
        buffers.put("isgd", Map.of("counters", new double[] {proximalSteps, evaluations}));
        buffers.putAll(inner.state().nest("inner"));
        buffers.putAll(outer.state().nest("outer"));
        return new OptimizerState(id(), proximalSteps, buffers);
    }

    @Override
    public void restore(OptimizerState state) {
        state.requireOptimizer(id());
        double[] counters = state.vector("isgd", "counters", 2);
        inner.restore(state.component("inner", inner.id()));
        outer.restore(state.component("outer", outer.id()));
        proximalSteps = (long) counters[0];
        evaluations = (long) counters[1];
    }
}
