package dev.terrain.ops.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.cli.Main;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two probe workers of one group on a real broker with 3 partitions, fed by in-process training runs
 * that probe nothing themselves. Run ids are chosen by the partition their key maps to, so one run's
 * snapshots go to each worker: the test can then see the group split the work, a worker die mid-run
 * (without leaving the group, as a killed process) and the other take its partition over, and a
 * malformed record on that partition skipped without stopping anything.
 */
class ProbeWorkerTest {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorkerTest.class);
    private static final String EXAMPLE = "../examples/poisson1d-dgm.conf";
    private static final int PARTITIONS = 3;
    private static final long EVERY = 20;
    private static final long STEPS = 200;
    private static final List<Long> SNAPSHOT_STEPS = LongStream.rangeClosed(1, STEPS / EVERY).map(i -> i * EVERY)
            .boxed().toList();
    /** The broker's smallest allowed session timeout: how long a dead worker keeps its partitions. */
    private static final Duration SESSION = Duration.ofSeconds(6);
    private static final Duration WAIT = Duration.ofSeconds(40);

    @Test
    void theGroupSharesSnapshotsSkipsAMalformedOneAndOutlivesAWorker(@TempDir Path tmp) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(0, tmp.resolve("kafka"))) {
            String bootstrap = broker.bootstrap();
            Topics.ensure(bootstrap, PARTITIONS, Duration.ofSeconds(30));
            try (ProbeWorker a = worker(bootstrap, "worker-a"); ProbeWorker b = worker(bootstrap, "worker-b");
                    LandscapeTopic landscape = new LandscapeTopic(bootstrap)) {
                await("both workers own partitions", () -> !a.assignment().isEmpty() && !b.assignment().isEmpty()
                        && a.assignment().size() + b.assignment().size() == PARTITIONS);
                int partitionOfB = b.assignment().iterator().next();
                String runA = runIdOn(a.assignment(), "a");
                String runB = runIdOn(Set.of(partitionOfB), "b");
                String runC = runIdOn(Set.of(partitionOfB), "c");

                // 1. Each run's snapshots are probed once, by the worker that owns the run's partition.
                train(tmp, bootstrap, runA);
                train(tmp, bootstrap, runB);
                assertOnePerSnapshot(landscape.await(runA, all(), WAIT), Set.of("worker-a"));
                assertOnePerSnapshot(landscape.await(runB, all(), WAIT), Set.of("worker-b"));
                assertThat(a.skipped() + b.skipped()).isZero();

                // 2. A malformed record, then run C, on worker b's partition; b dies after its first C snapshot.
                try (KafkaProducer<byte[], byte[]> plain = plainProducer(bootstrap)) {
                    plain.send(new ProducerRecord<>(Topics.SNAPSHOTS, partitionOfB, runC.getBytes(StandardCharsets.UTF_8),
                            "not a snapshot".getBytes(StandardCharsets.UTF_8))).get();
                }
                long bBefore = b.processed();
                CompletableFuture<Void> runningC = CompletableFuture.runAsync(() -> train(tmp, bootstrap, runC));
                await("worker b probes a snapshot of run C", () -> b.processed() > bBefore);
                b.abandon();
                long died = System.nanoTime();
                long bProcessedC = b.processed() - bBefore;
                await("worker a takes worker b's partition", () -> a.assignment().contains(partitionOfB));
                long rebalanceMs = (System.nanoTime() - died) / 1_000_000;
                LOG.info("worker a took partition {} over {} ms after worker b died", partitionOfB, rebalanceMs);
                runningC.get();

                List<JsonNode> c = landscape.await(runC, all(), WAIT);
                assertOnePerSnapshot(c, Set.of("worker-a", "worker-b"));
                assertThat(c.stream().filter(n -> n.get("worker").asText().equals("worker-b")).count())
                        .as("run C snapshots worker b probed before it died").isEqualTo(bProcessedC);
                assertThat(c.stream().filter(n -> n.get("worker").asText().equals("worker-a")).count())
                        .as("run C snapshots left to worker a").isEqualTo(SNAPSHOT_STEPS.size() - bProcessedC);
                assertThat(b.skipped()).as("the malformed record, skipped by b before run C").isEqualTo(1);
                assertThat(a.alive()).isTrue();
                // Nobody left the group: the partition stayed with the dead worker until the session timed out.
                assertThat(rebalanceMs).isGreaterThanOrEqualTo(SESSION.toMillis() / 2);

                // Seconds later still one record per snapshot: no snapshot was probed twice in the group.
                assertOnePerSnapshot(landscape.await(runA, none(), Duration.ofSeconds(1)), Set.of("worker-a"));
                assertOnePerSnapshot(landscape.await(runB, none(), Duration.ofSeconds(1)), Set.of("worker-b"));
                assertOnePerSnapshot(landscape.await(runC, none(), Duration.ofSeconds(1)), Set.of("worker-a", "worker-b"));
            }
        }
    }

    /** Every snapshot step exactly once, each a roughness record with figures, from one of {@code workers}. */
    private static void assertOnePerSnapshot(List<JsonNode> records, Set<String> workers) {
        assertThat(records).extracting(n -> n.get("step").asLong()).containsExactlyInAnyOrderElementsOf(SNAPSHOT_STEPS);
        assertThat(records).allSatisfy(n -> {
            assertThat(n.get("probe").asText()).isEqualTo("roughness");
            assertThat(workers).contains(n.get("worker").asText());
            assertThat(n.get("ri").isNumber()).as(n.toString()).isTrue();
            assertThat(n.get("directions").asInt()).isEqualTo(10);
            assertThat(n.get("lag_steps").asLong()).isEqualTo(-1);
            assertThat(n.get("age_ms").asLong()).isNotNegative();
            assertThat(n.has("error")).isFalse();
        });
    }

    /** Until the records cover every snapshot step (a duplicate arriving later is caught by the final check). */
    private static java.util.function.Predicate<List<JsonNode>> all() {
        return records -> records.stream().map(n -> n.get("step").asLong()).collect(Collectors.toSet())
                .containsAll(SNAPSHOT_STEPS);
    }

    /** Reads for the whole wait. */
    private static java.util.function.Predicate<List<JsonNode>> none() {
        return records -> false;
    }

    private static ProbeWorker worker(String bootstrap, String id) {
        Map<String, String> overrides = Map.of("probes.roughness.enabled", "true", "probes.roughness.every",
                String.valueOf(EVERY), "probes.roughness.directions", "10", "probes.roughness.intervals", "10");
        return new ProbeWorker(new ProbeWorker.Settings(bootstrap, "test-workers", id, overrides, Duration.ofSeconds(10),
                SESSION, 4), p -> LOG.info("{} probed run {} step {}", id, p.runId(), p.step()));
    }

    /** A run id whose records the producer's default partitioner puts on one of {@code partitions}. */
    private static String runIdOn(Set<Integer> partitions, String prefix) {
        for (int i = 0; ; i++) {
            String id = prefix + i;
            if (partitions.contains(Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS)) {
                return id;
            }
        }
    }

    private static void train(Path tmp, String bootstrap, String runId) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", EXAMPLE, "-Drun.dir=" + tmp.resolve("runs"),
                "-Drun.id=" + runId, "-Dkafka.bootstrap=" + bootstrap, "-Dprometheus.enabled=false",
                "-Dtrain.steps=" + STEPS, "-Dtrain.logEvery=50", "-Dtrain.printEvery=100000",
                "-Dpipeline.snapshotEvery=" + EVERY, "-Dprobes.roughness.enabled=false");
        assertThat(code).as(err.toString()).isZero();
    }

    private static KafkaProducer<byte[], byte[]> plainProducer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
