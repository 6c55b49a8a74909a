package dev.terrain.actors;

import dev.terrain.model.train.StepReport;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of {@code metrics.jsonl}: the loss terms, total and relative L2 error at {@code step}
 * (evaluated on the monitor batch), the annealed weights (null without annealing), the loss-and-gradient
 * evaluations so far and the wall time since the run (or its resumption) started.
 */
public record MetricsRecord(long step, Map<String, Double> terms, double total, double relL2,
        Map<String, Double> weights, long evaluations, double wallSeconds) {
    public MetricsRecord {
        terms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        weights = weights == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    static MetricsRecord of(StepReport r, Map<String, Double> weights, long evaluations, double wallSeconds) {
        return new MetricsRecord(r.step(), r.terms(), r.total(), r.relL2(), weights, evaluations, wallSeconds);
    }

    public StepReport report() {
        return new StepReport(step, terms, total, relL2);
    }
}
