package dev.terrain.ops.run;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.model.train.StepReport;

/** Where a run reports progress (the CLI's progress bar, or nothing in tests and services). */
public interface ProgressSink {
    void progress(StepReport report, long totalSteps, double wallSeconds);

    /** A probe result: the display shows the latest figure of each probe. */
    default void landscape(LandscapeRecord record) {}

    /** A one-line notice for the user (where the metrics endpoint is, ...). */
    default void note(String line) {}

    void finished();

    ProgressSink NONE = new ProgressSink() {
        @Override
        public void progress(StepReport report, long totalSteps, double wallSeconds) {}

        @Override
        public void finished() {}
    };
}
