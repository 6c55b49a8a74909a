package dev.terrain.ops.run;

import dev.terrain.model.train.StepReport;

/** Where a run reports progress (the CLI's progress bar, or nothing in tests and services). */
public interface ProgressSink {
    void progress(StepReport report, long totalSteps, double wallSeconds);

    void finished();

    ProgressSink NONE = new ProgressSink() {
        @Override
        public void progress(StepReport report, long totalSteps, double wallSeconds) {}

        @Override
        public void finished() {}
    };
}
