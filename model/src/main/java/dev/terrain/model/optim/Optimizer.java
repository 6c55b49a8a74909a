package dev.terrain.model.optim;

import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import java.util.List;

/**
 * A first-order optimizer over a network's parameters. {@link #update} reads each parameter's
 * gradient (accumulated by the last backward pass), changes the parameter in place and zeroes the
 * gradient. It runs outside gradient recording.
 */
public interface Optimizer {
    String id();

    /** One update of every parameter at step {@code step} (0-based; the learning-rate schedule reads it). */
    default void update(Parameters params, long step) {
        update(params.list(), step);
    }

    /**
     * One update of the given parameters only (LSGD moves the hidden layers this way while a least-squares
     * solve sets the output layer). Gradients of the other parameters are left as they are.
     */
    void update(List<Param> params, long step);

    /** Number of updates done so far. */
    long updates();

    /** A copy of the state, to save. */
    OptimizerState state(Parameters params);

    /** Restores a saved state; fails naming what does not match. */
    void restore(Parameters params, OptimizerState state);
}
