package dev.terrain.ops.cli;

import ai.djl.Device;
import dev.terrain.actors.Checkpoints;
import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.LocalRun;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.PipelineSettings;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.actors.RunListeners;
import dev.terrain.actors.RunSpec;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.KafkaRunListener;
import dev.terrain.ops.run.RunFactory;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.KafkaPublisher;
import dev.terrain.streams.kafka.Topics;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code terrain bench kafka-outage}: the trainer's steps/s while its Kafka cluster is down, against the
 * same window of a run whose cluster stays up. The cluster (a real broker the benchmark owns) is stopped
 * at a third of the run from another thread; steps/s is taken from the metrics records between a third
 * and two thirds. Steady and outage runs alternate in rounds; medians and raw figures go to the JSON.
 */
final class KafkaOutageBench {
    private KafkaOutageBench() {}

    static Map<String, Object> run(File example, long steps, int rounds, Integer threads) throws IOException {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        rates.put("steady", new ArrayList<>());
        rates.put("outage", new ArrayList<>());
        List<Long> dropped = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (String mode : List.of("steady", "outage")) {
                rates.get(mode).add(window(example, steps, threads, mode.equals("outage"), dropped));
            }
            System.out.printf(java.util.Locale.ROOT, "round %d: steady %.1f, Kafka down %.1f steps/s%n", round + 1,
                    rates.get("steady").get(round), rates.get("outage").get(round));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("example", example.getName());
        out.put("steps", steps);
        out.put("steps_per_s", rates);
        double steady = PipelineBench.median(rates.get("steady"));
        double outage = PipelineBench.median(rates.get("outage"));
        out.put("median_steps_per_s", Map.of("steady", steady, "outage", outage));
        out.put("outage_over_steady", outage / steady);
        out.put("records_dropped_in_outage_runs", dropped);
        return out;
    }

    private static double window(File example, long steps, Integer threads, boolean outage, List<Long> dropped)
            throws IOException {
        Path data = Files.createTempDirectory("terrain-bench-outage");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("train.steps", Long.toString(steps));
        o.put("probes.roughness.enabled", "false");
        RunSettings s = BenchCommand.load(example, threads, o);
        RunSettings.Pipeline p = s.pipeline();
        PipelineSettings pipeline = new PipelineSettings(steps, s.train().logEvery(), 0, 0, 10, p.sampleAhead(),
                p.snapshotBuffer(), p.timeout(), p.trainerRestart(), p.restart(), false, List.of());
        List<MetricsRecord> metrics = Collections.synchronizedList(new ArrayList<>());
        RunListener collect = new RunListener() {
            @Override
            public void metrics(MetricsRecord r) {
                metrics.add(r);
            }

            @Override
            public void landscape(LandscapeRecord r) {}

            @Override
            public void event(RunEvent e) {}
        };
        try (EmbeddedKafka broker = EmbeddedKafka.start(0, data.resolve("broker"))) {
            Topics.ensure(broker.bootstrap(), 3, Duration.ofSeconds(30));
            try (KafkaPublisher publisher = new KafkaPublisher(broker.bootstrap(),
                    new KafkaPublisher.Settings(10_000, Duration.ofSeconds(1)))) {
                long third = steps / 3;
                RunSpec.StepHook hook = step -> {
                    if (outage && step == third) {
                        // Not on the trainer's thread: stopping a broker takes a second.
                        new Thread(broker::close, "bench-broker-stop").start();
                    }
                };
                new LocalRun(new RunSpec(s.runId(), "bench", m -> RunFactory.build(s, m), Device.cpu(), pipeline,
                        new Checkpoints(data.resolve("run"), 1),
                        RunListeners.of(List.of(new KafkaRunListener(s.runId(), publisher), collect)), hook)).await();
                if (outage) {
                    dropped.add(publisher.dropped());
                }
            }
        }
        MetricsRecord from = null;
        MetricsRecord to = null;
        for (MetricsRecord r : metrics) {
            if (from == null && r.step() > steps / 3) {
                from = r;
            }
            if (r.step() <= 2 * steps / 3) {
                to = r;
            }
        }
        return (to.step() - from.step()) / (to.wallSeconds() - from.wallSeconds());
    }
}
