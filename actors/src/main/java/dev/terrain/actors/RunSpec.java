package dev.terrain.actors;

import ai.djl.Device;

/**
 * Everything a {@link RunSupervisor} needs to run one training run.
 *
 * @param runId      the run's id
 * @param configHash SHA-256 of the resolved configuration, stored in every checkpoint
 * @param model      builds the model (the trainer's and each probe's copy)
 * @param device     where tensors live
 * @param pipeline   cadences, restart backoff and the probes
 * @param store      the run's checkpoints
 * @param listener   where results go
 * @param hook       called on the trainer's thread after every step (instrumentation and fault-injection tests)
 */
public record RunSpec(String runId, String configHash, RunModel model, Device device, PipelineSettings pipeline,
        CheckpointStore store, RunListener listener, StepHook hook) {

    /** Called after each training step with the step reached. */
    @FunctionalInterface
    public interface StepHook {
        void afterStep(long step);

        StepHook NONE = step -> {};
    }
}
