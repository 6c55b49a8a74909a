package dev.terrain.model.train;

import dev.terrain.model.optim.OptimizerState;

/**
 * What one training step does with the loss of its batch (SPEC section 3.5): one first-order update,
 * an L-BFGS step with line search, an ISGD proximal step, or an LSGD gradient step plus
 * least-squares solve. Every method's whole state can be saved and restored, so a run resumes
 * exactly where it stopped.
 */
public interface TrainingMethod {
    /** Config id, e.g. {@code adam}, {@code lbfgs}, {@code isgd}, {@code lsgd}. */
    String id();

    /** One step (0-based index {@code step}); returns the losses at the parameters the step started from. */
    LossValues step(StepFunction f, long step);

    /** Loss and gradient evaluations done so far (several per step for L-BFGS and ISGD). */
    long evaluations();

    OptimizerState state();

    /** Restores a saved state; fails naming what does not match. */
    void restore(OptimizerState state);
}
