package dev.terrain.ops.run;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.model.train.StepReport;
import dev.terrain.streams.ParameterSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's results in its directory: {@code metrics.jsonl}, {@code landscape.jsonl}, {@code events.jsonl}
 * and {@code parameters/step-N.json}; metrics and probe figures also go to the progress display.
 */
final class RunFiles implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);
    private final RunDirectory dir;
    private final ProgressSink progress;
    private final long totalSteps;

    RunFiles(RunDirectory dir, ProgressSink progress, long totalSteps) {
        this.dir = dir;
        this.progress = progress;
        this.totalSteps = totalSteps;
    }

    @Override
    public void metrics(MetricsRecord r) {
        dir.metrics(RunRecords.metrics(r));
        StepReport report = r.report();
        if (Double.isFinite(report.total())) {
            progress.progress(report, totalSteps, r.wallSeconds());
        }
    }

    @Override
    public void landscape(LandscapeRecord r) {
        dir.append("landscape.jsonl", RunRecords.landscape(r));
        progress.landscape(r);
    }

    @Override
    public void event(RunEvent e) {
        dir.append("events.jsonl", RunRecords.event(e));
        switch (e.type()) {
            case "trainer-failed", "probe-failed", "checkpoint-failed", "child-stopped", "diverged", "failed" ->
                    LOG.warn("{} at step {}: {}", e.type(), e.step(), e.message());
            default -> LOG.debug("{} at step {}: {}", e.type(), e.step(), e.message());
        }
    }

    @Override
    public void parameters(ParameterSnapshot snapshot) {
        dir.writeJson(TrainingRun.snapshotName(snapshot.step()), RunRecords.parameters(snapshot));
    }
}
