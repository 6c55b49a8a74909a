package dev.terrain.actors;

import dev.terrain.model.train.Trainer;
import dev.terrain.streams.ParameterSnapshot;
import java.util.Map;

/**
 * One landscape analysis (Roughness Index, 2D surface, Hessian spectrum, gradient statistics). It runs
 * on the DJL dispatcher, on the probe's own copy of the model whose parameters already hold the
 * snapshot's values, and returns its figures as plain numbers (they become one {@code landscape.jsonl}
 * line). It must not keep NDArrays beyond the call.
 */
@FunctionalInterface
public interface Probe {
    Map<String, Object> run(Trainer model, ParameterSnapshot snapshot);
}
