package dev.terrain.model.train;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Optimizer;
import dev.terrain.model.optim.OptimizerState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hybrid least squares / gradient descent, paper 004 Algorithm 1: xi^L = LS(xi^H) once at the start
 * (line 3), then every step one gradient step on the hidden parameters xi^H (line 5; the paper uses
 * Adam) followed by a least-squares solve for the output layer xi^L (line 6, {@link LeastSquaresHead}).
 * The gradient is taken on the least-squares manifold, where the output layer's own gradient is zero
 * (paper Fig. 15), so only xi^H moves in the gradient step. See {@link LeastSquaresHead} for when LSGD
 * does not apply.
 *
 * <p>The system is assembled on the device on the training thread; its host solve goes through a
 * {@link LeastSquaresSolver} ({@link LeastSquaresSolver#LOCAL} unless told), which may run elsewhere.
 */
public final class Lsgd implements TrainingMethod {
    private final LeastSquaresHead head;
    private LeastSquaresSolver solver;
    private final Optimizer gradient;
    private final Parameters params;
    private final List<Param> hidden;
    private final List<Param> output;
    private long solves;
    private long evaluations;

    /** @param gradient the optimizer of the hidden parameters (Adam or GD) */
    public Lsgd(Objective objective, Optimizer gradient) {
        this(objective, gradient, LeastSquaresSolver.LOCAL);
    }

    /**
     * @param gradient the optimizer of the hidden parameters (Adam or GD)
     * @param solver solves each assembled least-squares system; must return {@link LeastSquaresHead#solve}'s answer
     */
    public Lsgd(Objective objective, Optimizer gradient, LeastSquaresSolver solver) {
        this.solver = Objects.requireNonNull(solver, "solver");
        this.head = new LeastSquaresHead(objective);
        this.gradient = gradient;
        this.params = objective.network().parameters();
        this.hidden = head.hiddenParams();
        this.output = head.outputParams();
    }

    /** Solves from now on with {@code replacement} (e.g. through the pipeline's least-squares actor). */
    public Lsgd withSolver(LeastSquaresSolver replacement) {
        this.solver = Objects.requireNonNull(replacement, "solver");
        return this;
    }

    @Override
    public String id() {
        return "lsgd";
    }

    public LeastSquaresHead head() {
        return head;
    }

    @Override
    public LossValues step(StepFunction f, long step) {
        if (solves == 0) {
            fit(f);
        }
        LossValues loss = f.lossAndGradient();
        evaluations++;
        gradient.update(hidden, step);
        for (Param p : output) {
            JniUtils.zeroGrad((PtNDArray) p.array());
        }
        fit(f);
        return loss;
    }

    /** xi^L = LS(xi^H) on the step's batch: assemble here, solve with the solver, write the output layer. */
    private void fit(StepFunction f) {
        head.write(solver.solve(head.assemble(f.batch())));
        solves++;
    }

    @Override
    public long evaluations() {
        return evaluations;
    }

    /** Least-squares solves done so far (one more than the steps: Algorithm 1 line 3). */
    public long solves() {
        return solves;
    }

    @Override
    public OptimizerState state() {
        Map<String, Map<String, double[]>> buffers = new LinkedHashMap<>();
        buffers.put("lsgd", Map.of("counters", new double[] {solves, evaluations}));
        buffers.putAll(gradient.state(params).nest("gradient"));
        return new OptimizerState(id(), evaluations, buffers);
    }

    @Override
    public void restore(OptimizerState state) {
        state.requireOptimizer(id());
        double[] counters = state.vector("lsgd", "counters", 2);
        gradient.restore(params, state.component("gradient", gradient.id()));
        solves = (long) counters[0];
        evaluations = (long) counters[1];
    }
}
