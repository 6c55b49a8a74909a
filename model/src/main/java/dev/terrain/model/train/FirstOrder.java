package dev.terrain.model.train;

import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Optimizer;
import dev.terrain.model.optim.OptimizerState;

/** One gradient evaluation and one update of a first-order optimizer (Adam, GD) per step. */
public final class FirstOrder implements TrainingMethod {
    private final Optimizer optimizer;
    private final Parameters params;

    public FirstOrder(Optimizer optimizer, Parameters params) {
        this.optimizer = optimizer;
        this.params = params;
    }

    @Override
    public String id() {
        return optimizer.id();
    }

    @Override
    public LossValues step(StepFunction f, long step) {
        LossValues loss = f.lossAndGradient();
        optimizer.update(params, step);
        return loss;
    }

    @Override
    public long evaluations() {
        return optimizer.updates();
    }

    @Override
    public OptimizerState state() {
        return optimizer.state(params);
    }

    @Override
    public void restore(OptimizerState state) {
        optimizer.restore(params, state);
    }
}
