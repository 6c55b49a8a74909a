package dev.terrain.actors;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.train.Trainer;

/**
 * Builds the model of a run (network, problem, loss, training method, sampling) on a manager. Every call
 * gives the same initial state; the trainer and each probe build their own copy, so no NDArray is shared
 * between threads.
 */
@FunctionalInterface
public interface RunModel {
    Trainer build(NDManager manager);
}
