package dev.terrain.streams.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.streams.ParameterSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KafkaPublisher} with a healthy broker, shared by the class: every test writes its own topic or
 * its own keys, so sharing does not let one test's records satisfy another's assertions.
 */
class KafkaPublisherTest {
    private static final Logger log = LoggerFactory.getLogger(KafkaPublisherTest.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(0, dir.resolve("kafka"));
        Topics.ensure(kafka.bootstrap(), 3, TIMEOUT);
        Publishers.warmUp(kafka.bootstrap(), TIMEOUT);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void fiveThousandRecordsArriveIntactExactlyOnceAndInOrderPerKey() {
        int n = 5000;
        int runs = 5;
        long t0 = System.nanoTime();
        try (KafkaPublisher publisher = new KafkaPublisher(kafka.bootstrap(),
                new KafkaPublisher.Settings(n, Duration.ofSeconds(10)))) {
            for (int i = 0; i < n; i++) {
                publisher.publish(Topics.METRICS, "run-" + (i % runs), ("run-" + (i % runs) + ":" + i)
                        .getBytes(StandardCharsets.UTF_8));
            }
            Await.until(() -> publisher.sent() == n, TIMEOUT, "all " + n + " records acknowledged");
            assertThat(publisher.errors()).isZero();
            assertThat(publisher.dropped()).isZero();
            assertThat(publisher.queued()).isZero();
            assertThat(publisher.inFlight()).isZero();
            assertThat(publisher.outages()).isZero();
        }
        long acknowledged = System.nanoTime();

        // Linger a second after the count is reached: a duplicate would arrive within it.
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(kafka.bootstrap(), Topics.METRICS, n, TIMEOUT,
                Duration.ofSeconds(1));
        log.info("{} records: published and acknowledged in {} ms, read back by a consumer {} ms later", n,
                (acknowledged - t0) / 1_000_000, (System.nanoTime() - acknowledged) / 1_000_000);
        assertThat(records).hasSize(n);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            String[] value = new String(r.value(), StandardCharsets.UTF_8).split(":");
            assertThat(value[0]).isEqualTo(key);
            perKey.computeIfAbsent(key, k -> new ArrayList<>()).add(Integer.parseInt(value[1]));
        }
        assertThat(perKey).hasSize(runs);
        perKey.forEach((key, indices) -> {
            int run = Integer.parseInt(key.substring("run-".length()));
            List<Integer> expected = new ArrayList<>();
            for (int i = run; i < n; i += runs) {
                expected.add(i);
            }
            assertThat(indices).as("records of %s in publish order", key).isEqualTo(expected);
        });
    }

    @Test
    void snapshotsPublishedToTheSnapshotTopicDecodeEqualToTheOriginals() {
        ParameterSnapshot f64 = new ParameterSnapshot("snap-run", 40, "float64",
                List.of(new ParameterSnapshot.Tensor("w", new long[] {2, 3}), new ParameterSnapshot.Tensor("b",
                        new long[] {3})),
                new double[] {0.1, -0.2, 1e-300, Math.PI, -0.0, 7, 8, 9, Double.MIN_VALUE},
                Map.of("pde", 0.5, "bc", Double.NaN), Double.POSITIVE_INFINITY, "adam");
        ParameterSnapshot f32 = new ParameterSnapshot("snap-run", 80, "float32",
                List.of(new ParameterSnapshot.Tensor("w", new long[] {4})), new double[] {0.1f, -2.5f, 3e-40f, 1e30f},
                Map.of(), Double.NaN, "lbfgs");
        try (KafkaPublisher publisher = new KafkaPublisher(kafka.bootstrap(),
                new KafkaPublisher.Settings(16, Duration.ofSeconds(10)))) {
            publisher.publish(Topics.SNAPSHOTS, f64.runId(), SnapshotCodec.encode(f64));
            publisher.publish(Topics.SNAPSHOTS, f32.runId(), SnapshotCodec.encode(f32));
        }
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(kafka.bootstrap(), Topics.SNAPSHOTS, 2,
                TIMEOUT, Duration.ZERO);
        assertThat(records).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("snap-run", "snap-run");
        assertThat(records).extracting(r -> SnapshotCodec.decode(r.value())).containsExactly(f64, f32);
    }

    @Test
    void closeDeliversWhatIsStillQueued() {
        KafkaPublisher publisher = new KafkaPublisher(kafka.bootstrap(),
                new KafkaPublisher.Settings(1000, Duration.ofSeconds(30)));
        for (int i = 0; i < 1000; i++) {
            publisher.publish(Topics.LANDSCAPE, "close-run", new byte[] {(byte) i});
        }
        publisher.close();
        assertThat(publisher.sent()).as("acknowledged (errors %d, dropped %d, last error %s)", publisher.errors(),
                publisher.dropped(), publisher.lastError()).isEqualTo(1000);
        assertThat(publisher.errors() + publisher.dropped() + publisher.queued() + publisher.inFlight()).isZero();
    }

    @Test
    void publishingAfterCloseIsDroppedAndCountedNotThrown() {
        KafkaPublisher publisher = new KafkaPublisher(kafka.bootstrap(),
                new KafkaPublisher.Settings(10, Duration.ofSeconds(5)));
        publisher.close();
        publisher.publish(Topics.EVENTS, "late-run", new byte[] {1});
        publisher.close();
        assertThat(publisher.published()).isEqualTo(1);
        assertThat(publisher.dropped()).isEqualTo(1);
        assertThat(publisher.sent()).isZero();
        assertThat(publisher.queued()).isZero();
    }
}
