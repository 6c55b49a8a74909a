package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.problem.PointSet;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The loss of one training step's batch at the network's current parameters: what a
 * {@link TrainingMethod} evaluates, once (Adam, GD) or several times (L-BFGS line search, ISGD's
 * inner iterations, LSGD's solve). Parameter gradients are zero between evaluations: whoever reads
 * them after {@link #lossAndGradient} zeroes them (the optimizers do).
 */
public interface StepFunction {
    Objective objective();

    /** The step's point sets, on the device. */
    Map<String, PointSet> batch();

    /**
     * Evaluates the loss and back-propagates {@code shape(total)} into the parameter gradients
     * (ISGD adds its proximal term here). The returned values are those of the loss itself.
     */
    LossValues lossAndGradient(UnaryOperator<NDArray> shape);

    /**
     * The loss and its gradient, {@code lossAndGradient(identity)}; an implementation may evaluate the
     * batch in parts on several threads ({@link ShardedGradient}), which gives the same loss up to the
     * order of summation.
     */
    default LossValues lossAndGradient() {
        return lossAndGradient(UnaryOperator.identity());
    }

    /** The loss without gradients. */
    LossValues loss();
}
