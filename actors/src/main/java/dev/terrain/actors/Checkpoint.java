package dev.terrain.actors;

import dev.terrain.model.optim.OptimizerState;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped: the step, the flat parameter vector
 * (layout of {@link dev.terrain.model.nn.Parameters#toFlat()}), the training method's whole state (Adam
 * moments, L-BFGS history, ISGD's inner and outer optimizers, LSGD's counters), the annealed loss weights
 * (null without annealing) and the SHA-256 of the resolved configuration it was trained with.
 */
public record Checkpoint(int format, String runId, long step, String configHash, double[] parameters,
        OptimizerState optimizer, Map<String, Double> annealing) {
    public static final int FORMAT = 1;
}
