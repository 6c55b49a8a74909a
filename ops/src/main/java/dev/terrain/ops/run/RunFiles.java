package dev.terrain.ops.run;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.model.train.StepReport;
import dev.terrain.streams.ParameterSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final long loggedThrough;

    /**
     * @param loggedThrough the last step already in {@code metrics.jsonl} (a resumed run re-trains from its
     *                      checkpoint; those steps are not logged twice), or -1
     */
    RunFiles(RunDirectory dir, ProgressSink progress, long totalSteps, long loggedThrough) {
        this.dir = dir;
        this.progress = progress;
        this.totalSteps = totalSteps;
        this.loggedThrough = loggedThrough;
    }

    @Override
    public void metrics(MetricsRecord r) {
        if (r.step() <= loggedThrough) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", r.step());
        m.put("terms", r.terms());
        m.put("total", r.total());
        m.put("rel_l2", Double.isNaN(r.relL2()) ? null : r.relL2());
        if (r.weights() != null) {
            m.put("weights", r.weights());
        }
        m.put("evaluations", r.evaluations());
        m.put("wall_s", r.wallSeconds());
        dir.metrics(m);
        StepReport report = r.report();
        if (Double.isFinite(report.total())) {
            progress.progress(report, totalSteps, r.wallSeconds());
        }
    }

    @Override
    public void landscape(LandscapeRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", r.step());
        m.put("probe", r.probe());
        m.putAll(r.figures());
        m.put("wall_s", r.wallSeconds());
        m.put("lag_steps", r.lagSteps());
        m.put("skipped", r.skipped());
        if (r.error() != null) {
            m.put("error", r.error());
        }
        dir.append("landscape.jsonl", m);
        progress.landscape(r);
    }

    @Override
    public void event(RunEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("type", e.type());
        m.put("step", e.step());
        m.put("message", e.message());
        dir.append("events.jsonl", m);
        switch (e.type()) {
            case "trainer-failed", "probe-failed", "checkpoint-failed", "child-stopped", "diverged", "failed" ->
                    LOG.warn("{} at step {}: {}", e.type(), e.step(), e.message());
            default -> LOG.debug("{} at step {}: {}", e.type(), e.step(), e.message());
        }
    }

    @Override
    public void parameters(ParameterSnapshot snapshot) {
        dir.writeJson(TrainingRun.snapshotName(snapshot.step()), json(snapshot));
    }

    /** The parameters file format of {@code parameters.json} (read back by {@link TrainingRun#loadParameters}). */
    static Map<String, Object> json(ParameterSnapshot s) {
        List<Map<String, Object>> list = new ArrayList<>();
        int at = 0;
        for (ParameterSnapshot.Tensor t : s.tensors()) {
            int n = Math.toIntExact(t.size());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("shape", t.shape());
            m.put("values", Arrays.copyOfRange(s.values(), at, at + n));
            at += n;
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dtype", s.dtype());
        out.put("count", s.values().length);
        out.put("tensors", list);
        return out;
    }
}
