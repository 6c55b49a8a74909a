package dev.terrain.ops.serve;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /runs/{id}} shows of a run while it trains: its newest metrics (step, loss terms,
 * total, rel-L2) and each probe's newest scalar figures, told by the run supervisor like any output.
 */
final class LiveStatus implements RunListener {
    private volatile MetricsRecord metrics;
    private final Map<String, Map<String, Object>> probes = new TreeMap<>();
    private volatile String lastEvent;

    @Override
    public void metrics(MetricsRecord r) {
        metrics = r;
    }

    @Override
    public void landscape(LandscapeRecord r) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("step", r.step());
        r.figures().forEach((k, v) -> {
            // Scalars only: a surface grid or an eigenvalue list belongs in landscape.jsonl and the report.
            if (v instanceof Number || v instanceof String || v instanceof Boolean) {
                figures.put(k, v);
            }
        });
        if (r.error() != null) {
            figures.put("error", r.error());
        }
        synchronized (probes) {
            probes.put(r.probe(), figures);
        }
    }

    @Override
    public void event(RunEvent e) {
        lastEvent = e.type();
    }

    /** The newest metrics record, or null before the first. */
    MetricsRecord metrics() {
        return metrics;
    }

    /** Each probe's newest figures (a copy). */
    Map<String, Map<String, Object>> probes() {
        synchronized (probes) {
            return new TreeMap<>(probes);
        }
    }

    String lastEvent() {
        return lastEvent;
    }
}
