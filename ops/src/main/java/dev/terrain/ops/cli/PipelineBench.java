package dev.terrain.ops.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.terrain.actors.Checkpoints;
import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.LocalRun;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.PipelineSettings;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.actors.RunOutcome;
import dev.terrain.actors.RunSpec;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.RunFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code terrain bench pipeline}: the trainer's steps/s (timed between its first and last metrics after
 * warm-up) of the plain training loop, of the actor pipeline without probes, and of the pipeline with a
 * Roughness-Index probe (M = m = 100) on every snapshot, which is slower than training and must skip
 * snapshots rather than slow it. The three alternate in rounds in one process; medians and every raw
 * figure go to the JSON.
 */
final class PipelineBench {
    private PipelineBench() {}

    static Map<String, Object> run(File example, long steps, int rounds, Integer threads) throws IOException {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        List<Long> skipped = new ArrayList<>();
        List<Integer> probeRuns = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            rates.computeIfAbsent("direct", k -> new ArrayList<>()).add(direct(example, steps, threads));
            rates.computeIfAbsent("pipeline", k -> new ArrayList<>()).add(pipeline(example, steps, threads, false, null, null));
            rates.computeIfAbsent("pipeline_ri", k -> new ArrayList<>()).add(pipeline(example, steps, threads, true,
                    skipped, probeRuns));
            System.out.printf(Locale.ROOT, "round %d: direct %.1f, pipeline %.1f, pipeline + RI %.1f steps/s%n", round + 1,
                    last(rates.get("direct")), last(rates.get("pipeline")), last(rates.get("pipeline_ri")));
        }
        out.put("example", example.getName());
        out.put("steps", steps);
        out.put("rounds", rounds);
        out.put("steps_per_s", rates);
        double direct = median(rates.get("direct"));
        out.put("median_steps_per_s", Map.of("direct", direct, "pipeline", median(rates.get("pipeline")),
                "pipeline_ri", median(rates.get("pipeline_ri"))));
        out.put("pipeline_over_direct", median(rates.get("pipeline")) / direct);
        out.put("pipeline_ri_over_pipeline", median(rates.get("pipeline_ri")) / median(rates.get("pipeline")));
        out.put("ri_snapshots_skipped", skipped);
        out.put("ri_runs", probeRuns);
        return out;
    }

    private static double direct(File example, long steps, Integer threads) {
        RunSettings s = BenchCommand.load(example, threads, Map.of("train.steps", Long.toString(steps)));
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer t = RunFactory.build(s, manager);
            long logEvery = s.train().logEvery();
            long t0 = 0;
            while (t.step() < steps) {
                t.train(false);
                if (t.step() % logEvery == 0) {
                    t.evaluate();
                    if (t.step() == logEvery) {
                        t0 = System.nanoTime();
                    }
                }
            }
            return (steps - logEvery) / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double pipeline(File example, long steps, Integer threads, boolean ri, List<Long> skipped,
            List<Integer> probeRuns) throws IOException {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("train.steps", Long.toString(steps));
        o.put("checkpoint.every", "0");
        o.put("probes.roughness.enabled", Boolean.toString(ri));
        o.put("pipeline.snapshotEvery", "100");
        o.put("probes.roughness.every", "100");
        RunSettings s = BenchCommand.load(example, threads, o);
        Path dir = Files.createTempDirectory("terrain-bench-pipeline");
        List<MetricsRecord> metrics = new ArrayList<>();
        int[] landscape = {0};
        RunListener listener = new RunListener() {
            @Override
            public void metrics(MetricsRecord r) {
                metrics.add(r);
            }

            @Override
            public void landscape(LandscapeRecord r) {
                landscape[0]++;
            }

            @Override
            public void event(RunEvent e) {}
        };
        RunSettings.Pipeline p = s.pipeline();
        PipelineSettings pipeline = new PipelineSettings(steps, s.train().logEvery(), 0, 0, ri ? p.snapshotEvery() : 0,
                p.sampleAhead(), p.snapshotBuffer(), p.timeout(), p.trainerRestart(), p.restart(), false, p.probes());
        RunOutcome outcome = new LocalRun(new RunSpec(s.runId(), "bench", m -> RunFactory.build(s, m), Device.cpu(),
                pipeline, new Checkpoints(dir, 1), listener, RunSpec.StepHook.NONE)).await();
        if (!outcome.completed()) {
            throw new IllegalStateException("benchmark run " + outcome.status() + ": " + outcome.error());
        }
        if (ri) {
            skipped.add(outcome.probeSkipped().get("roughness"));
            probeRuns.add(landscape[0]);
        }
        MetricsRecord first = metrics.get(1);
        MetricsRecord end = metrics.get(metrics.size() - 1);
        return (end.step() - first.step()) / (end.wallSeconds() - first.wallSeconds());
    }

    private static double last(List<Double> v) {
        return v.get(v.size() - 1);
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
