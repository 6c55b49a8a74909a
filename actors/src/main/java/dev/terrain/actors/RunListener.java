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

    /** Parameters saved every {@code train.saveEvery} steps (not the final ones: see {@link RunOutcome}). */
    default void parameters(ParameterSnapshot snapshot) {}

    RunListener NONE = new RunListener() {
        @Override
        public void metrics(MetricsRecord record) {}

        @Override
        public void landscape(LandscapeRecord record) {}

        @Override
        public void event(RunEvent event) {}
    };
}
