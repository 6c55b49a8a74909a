package dev.terrain.actors;

import dev.terrain.streams.ParameterSnapshot;

/**
 * Where a run's results go: the run directory and the console in the CLI; Kafka topics and Prometheus
 * in a service. Calls come from the run's supervisor actor, one at a time, and must return quickly.
 */
public interface RunListener {
    void metrics(MetricsRecord record);

    void landscape(LandscapeRecord record);

    void event(RunEvent event);

    /**
     * A parameter snapshot the trainer published to the probes (every {@code pipeline.snapshotEvery} steps),
     * e.g. for the {@code terrain.snapshots} topic. Must not block: hand it off or drop it.
     */
    default void snapshot(ParameterSnapshot snapshot) {}

    /** Parameters saved every {@code train.saveEvery} steps (not the final ones: see {@link RunOutcome}). */
    default void parameters(ParameterSnapshot snapshot) {}
}
