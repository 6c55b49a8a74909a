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
 * @param loggedThrough the last step whose metrics were already reported by an earlier process of this run
 *                   (a resumed run re-trains from its checkpoint; those steps are not reported again), or -1
 */
public record RunSpec(String runId, String configHash, RunModel model, Device device, PipelineSettings pipeline,
        CheckpointStore store, RunListener listener, StepHook hook, long loggedThrough) {

    /** A run with nothing reported yet. */
    public RunSpec(String runId, String configHash, RunModel model, Device device, PipelineSettings pipeline,
            CheckpointStore store, RunListener listener, StepHook hook) {
        this(runId, configHash, model, device, pipeline, store, listener, hook, -1);
    }

    /** Called after each training step with the step reached. */
    @FunctionalInterface
    public interface StepHook {
        void afterStep(long step);

        StepHook NONE = step -> {};
    }
}
