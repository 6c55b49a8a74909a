package dev.terrain.ops.run;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.streams.ParameterSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a run's records, the same in the run directory ({@code metrics.jsonl},
 * {@code landscape.jsonl}, {@code events.jsonl}, parameter files) and on other outputs (Kafka topics).
 */
public final class RunRecords {
    private RunRecords() {}

    /** One {@code metrics.jsonl} line: step, terms, total, rel_l2 (null without an exact solution), weights, evaluations, wall_s. */
    public static Map<String, Object> metrics(MetricsRecord r) {
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
        return m;
    }

    /** One {@code landscape.jsonl} line: step, probe, the probe's figures, wall_s, lag_steps, skipped (and error). */
    public static Map<String, Object> landscape(LandscapeRecord r) {
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
        return m;
    }

    /** One {@code events.jsonl} line: at, type, step, message. */
    public static Map<String, Object> event(RunEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("type", e.type());
        m.put("step", e.step());
        m.put("message", e.message());
        return m;
    }

    /** The parameters file format of {@code parameters.json} (read back by {@link TrainingRun#loadParameters}). */
    public static Map<String, Object> parameters(ParameterSnapshot s) {
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
