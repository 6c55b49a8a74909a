package dev.terrain.ops.cli;

import ai.djl.Device;
import dev.terrain.actors.Checkpoints;
import dev.terrain.actors.LocalRun;
import dev.terrain.actors.PipelineSettings;
import dev.terrain.actors.RunOutcome;
import dev.terrain.actors.RunSpec;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.KafkaRunListener;
import dev.terrain.ops.run.RunFactory;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.KafkaPublisher;
import dev.terrain.streams.kafka.SnapshotCodec;
import dev.terrain.streams.kafka.Topics;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code terrain bench kafka}: snapshot publish latency on loopback, from the trainer finishing the step
 * (the step hook, on the trainer's thread) to a plain consumer holding the decoded record, through the
 * whole path: chunk result → trainer actor → supervisor → listener → publisher queue → embedded broker
 * (acks=all) → consumer poll. Percentiles over every snapshot of one run.
 */
final class KafkaBench {
    private KafkaBench() {}

    static Map<String, Object> run(File example, long steps, long snapshotEvery, Integer threads) throws IOException {
        Path data = Files.createTempDirectory("terrain-bench-kafka");
        Map<Long, Long> stepAt = new ConcurrentHashMap<>();
        Map<Long, Long> readAt = new ConcurrentHashMap<>();
        try (EmbeddedKafka broker = EmbeddedKafka.start(0, data.resolve("broker"))) {
            Topics.ensure(broker.bootstrap(), 3, Duration.ofSeconds(30));
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(() -> consume(broker.bootstrap(), readAt, stop), "bench-consumer");
            reader.start();
            Map<String, String> o = new LinkedHashMap<>();
            o.put("train.steps", Long.toString(steps));
            o.put("probes.roughness.enabled", "false");
            RunSettings s = BenchCommand.load(example, threads, o);
            RunSettings.Pipeline p = s.pipeline();
            PipelineSettings pipeline = new PipelineSettings(steps, s.train().logEvery(), 0, 0, snapshotEvery,
                    p.sampleAhead(), p.snapshotBuffer(), p.timeout(), p.trainerRestart(), p.restart(), false, List.of());
            RunOutcome outcome;
            try (KafkaPublisher publisher = new KafkaPublisher(broker.bootstrap(),
                    new KafkaPublisher.Settings(10_000, Duration.ofSeconds(15)))) {
                RunSpec.StepHook hook = step -> {
                    if (step % snapshotEvery == 0) {
                        stepAt.put(step, System.nanoTime());
                    }
                };
                outcome = new LocalRun(new RunSpec(s.runId(), "bench", m -> RunFactory.build(s, m), Device.cpu(), pipeline,
                        new Checkpoints(data.resolve("run"), 1), new KafkaRunListener(s.runId(), publisher), hook)).await();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (readAt.size() < stepAt.size() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } finally {
                stop.set(true);
                try {
                    reader.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            List<Double> ms = new ArrayList<>();
            stepAt.forEach((step, at) -> {
                Long read = readAt.get(step);
                if (read != null) {
                    ms.add((read - at) / 1e6);
                }
            });
            double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("example", example.getName());
            out.put("status", outcome.status());
            out.put("steps", steps);
            out.put("snapshot_every", snapshotEvery);
            out.put("snapshots", stepAt.size());
            out.put("received", sorted.length);
            out.put("latency_ms_p50", percentile(sorted, 0.50));
            out.put("latency_ms_p99", percentile(sorted, 0.99));
            out.put("latency_ms_max", sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]);
            out.put("latency_ms", Arrays.stream(sorted).boxed().toList());
            System.out.printf(java.util.Locale.ROOT, "snapshot step -> consumer: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d of %d)%n",
                    percentile(sorted, 0.5), percentile(sorted, 0.99), (Double) out.get("latency_ms_max"), sorted.length,
                    stepAt.size());
            return out;
        }
    }

    private static void consume(String bootstrap, Map<Long, Long> readAt, AtomicBoolean stop) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.SNAPSHOTS).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    readAt.putIfAbsent(SnapshotCodec.decode(r.value()).step(), System.nanoTime());
                }
            }
        }
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
