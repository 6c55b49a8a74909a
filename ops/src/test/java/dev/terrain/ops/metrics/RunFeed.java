package dev.terrain.ops.metrics;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.streams.ParameterSnapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The records a short run with both probes would send its listener, with numbers chosen so that every
 * exported value is known exactly: two metrics records (steps 100 and 300, 2.0 s and 4.5 s → 80 steps/s),
 * two roughness results (skipped 2 then 5), a hessian result and a failed hessian run, three snapshots.
 */
final class RunFeed {
    static final long LAST_STEP = 300;
    static final double STEPS_PER_SECOND = 80.0;
    static final double LAST_RI = 0.37;
    static final double LAMBDA_MAX = 123.5;

    private RunFeed() {}

    static void feed(RunListener l, String run) {
        l.event(new RunEvent(run, "started", 0, "training from step 0", Instant.now()));
        l.metrics(metrics(100, 0.5, 0.25, 0.1, 10.0, 100, 2.0));
        l.snapshot(snapshot(run, 100));
        l.landscape(roughness(run, 100, 0.42, 1.5, 50, 2));
        l.snapshot(snapshot(run, 200));
        l.landscape(new LandscapeRecord(run, 200, "hessian", Map.of("lambda_max", LAMBDA_MAX), 3.0, 100, 1, null));
        l.metrics(metrics(LAST_STEP, 0.125, 0.0625, 0.05, 12.5, 300, 4.5));
        l.snapshot(snapshot(run, 300));
        l.landscape(roughness(run, 300, LAST_RI, 1.25, 20, 5));
        l.event(new RunEvent(run, "probe-failed", 300, "hessian: boom", Instant.now()));
        l.landscape(new LandscapeRecord(run, 300, "hessian", Map.of(), 0.5, 0, 1, "boom"));
        l.event(new RunEvent(run, "completed", 300, "", Instant.now()));
    }

    /** Loss terms pde and bc (total = their sum), weights pde = 1 and bc as given. */
    static MetricsRecord metrics(long step, double pde, double bc, double relL2, double bcWeight, long evaluations,
            double wallSeconds) {
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("pde", pde);
        terms.put("bc", bc);
        return new MetricsRecord(step, terms, pde + bc, relL2, Map.of("pde", 1.0, "bc", bcWeight), evaluations,
                wallSeconds);
    }

    static LandscapeRecord roughness(String run, long step, double ri, double seconds, long lag, long skipped) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("ri", ri);
        figures.put("mean_t", 1.0);
        return new LandscapeRecord(run, step, "roughness", figures, seconds, lag, skipped, null);
    }

    static ParameterSnapshot snapshot(String run, long step) {
        return new ParameterSnapshot(run, step, "float32", List.of(new ParameterSnapshot.Tensor("w", new long[] {2})),
                new double[] {0.5, -0.5}, Map.of(), Double.NaN, "adam");
    }
}
