package dev.terrain.model.optim;

import java.util.Map;

/**
 * An optimizer's state as plain Java data, for checkpoints: its id, the number of updates done and,
 * per parameter name, its named buffers (e.g. Adam's first and second moments) as flat vectors.
 */
public record OptimizerState(String optimizer, long updates, Map<String, Map<String, double[]>> buffers) {}
