package dev.terrain.ops.metrics;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.streams.ParameterSnapshot;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Exports one run's records to {@link TerrainMetrics}. The records carry running totals (step, evaluations,
 * a probe's skipped snapshots) while Prometheus counters only go up by increments, so the listener keeps
 * the last total it saw and adds the difference. Every call only updates in-memory values: it never blocks
 * the run supervisor that calls it.
 */
public final class PrometheusRunListener implements RunListener {
    private final TerrainMetrics m;
    private final String run;
    private final Map<String, Long> skipped = new HashMap<>();
    private long lastStep;
    private long lastEvaluations;
    private double lastWall = Double.NaN;
    private long lastRateStep;

    /** Prefer {@link TerrainMetrics#listener(String)}. */
    public PrometheusRunListener(TerrainMetrics metrics, String run) {
        this.m = Objects.requireNonNull(metrics, "metrics");
        this.run = Objects.requireNonNull(run, "run");
    }

    /** The run id this listener labels its series with. */
    public String run() {
        return run;
    }

    @Override
    public void metrics(MetricsRecord r) {
        r.terms().forEach((term, value) -> m.loss.labelValues(run, term).set(value));
        m.loss.labelValues(run, "total").set(r.total());
        // NaN is a legal sample (no exact solution, or a diverged run); the dashboard shows it as a gap.
        m.relL2.labelValues(run).set(r.relL2());
        if (r.weights() != null) {
            r.weights().forEach((term, value) -> m.lossWeight.labelValues(run, term).set(value));
        }
        if (r.step() >= lastStep) {
            m.steps.labelValues(run).inc(r.step() - lastStep);
            lastStep = r.step();
        }
        m.evaluations.labelValues(run).inc(increase(lastEvaluations, r.evaluations()));
        lastEvaluations = r.evaluations();
        throughput(r);
    }

    /**
     * Δstep/Δwall between consecutive records. The wall clock restarts with a restarted trainer session;
     * such a pair (Δwall ≤ 0) is skipped and the gauge keeps its last value until the next pair.
     */
    private void throughput(MetricsRecord r) {
        double dt = r.wallSeconds() - lastWall;
        long ds = r.step() - lastRateStep;
        if (!Double.isNaN(lastWall) && dt > 0 && ds > 0) {
            m.stepsPerSecond.labelValues(run).set(ds / dt);
        }
        lastWall = r.wallSeconds();
        lastRateStep = r.step();
    }

    @Override
    public void landscape(LandscapeRecord r) {
        String probe = r.probe();
        m.probeLag.labelValues(run, probe).set(r.lagSteps());
        m.probeSeconds.labelValues(run, probe).set(r.wallSeconds());
        // Created at 0 so that rate() sees the first failure or skip, not only the ones after it.
        var failures = m.probeFailures.labelValues(run, probe);
        if (!r.ok()) {
            failures.inc();
        }
        long before = skipped.getOrDefault(probe, 0L);
        m.snapshotsDropped.labelValues(run, probe).inc(increase(before, r.skipped()));
        skipped.put(probe, r.skipped());
        if (probe.equals("roughness")) {
            figure(r, "ri", m.roughness);
        } else if (probe.equals("hessian")) {
            figure(r, "lambda_max", m.hessianTop);
        }
    }

    /** Figures are JSON-ready: a non-finite one is null (and a failed probe has none); those leave the gauge be. */
    private void figure(LandscapeRecord r, String name, Gauge gauge) {
        if (r.figures().get(name) instanceof Number n) {
            gauge.labelValues(run).set(n.doubleValue());
        }
    }

    @Override
    public void event(RunEvent e) {
        m.events.labelValues(run, e.type()).inc();
        switch (e.type()) {
            case "started", "resumed" -> state("running");
            case "completed", "interrupted", "diverged", "failed" -> state(e.type());
            default -> { }
        }
    }

    private void state(String current) {
        var point = m.state.labelValues(run);
        for (String s : TerrainMetrics.STATES) {
            if (s.equals(current)) {
                point.setTrue(s);
            } else {
                point.setFalse(s);
            }
        }
    }

    @Override
    public void snapshot(ParameterSnapshot snapshot) {
        m.snapshotsPublished.labelValues(run).inc();
    }

    /** The increase of a running total; one that went down was restarted from zero (as Prometheus treats resets). */
    private static long increase(long before, long now) {
        return now >= before ? now - before : now;
    }
}
