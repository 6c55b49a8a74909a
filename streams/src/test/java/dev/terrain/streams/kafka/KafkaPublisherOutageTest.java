package dev.terrain.streams.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KafkaPublisher} while its broker goes away and comes back on the same address, the case the
 * bounded, drop-oldest queue exists for.
 */
class KafkaPublisherOutageTest {
    private static final Logger log = LoggerFactory.getLogger(KafkaPublisherOutageTest.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int CAPACITY = 100;
    /** Fewer than the queue holds: the first send waits for metadata, and nothing may be dropped yet. */
    private static final int BEFORE = 50;
    private static final int DURING = 2000;
    private static final int AFTER = 100;
    /**
     * A publish that waited on Kafka would take the producer's max.block.ms (10 s) on the first record for
     * a topic it has no metadata for, or until the broker returned; a queue insert takes microseconds. The
     * bound leaves room for a GC pause or a descheduled thread on a loaded two-core machine (8 ms seen).
     */
    private static final Duration MAX_PUBLISH_CALL = Duration.ofMillis(100);

    @TempDir
    Path dir;

    @Test
    void publishNeverBlocksWhileTheBrokerIsDownAndResumesAfterItRestarts() {
        Path data = dir.resolve("kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(0, data);
        int port = kafka.port();
        String bootstrap = kafka.bootstrap();
        try {
            // Topics first, then the publisher, as a training run does, and a warm-up before the measured
            // publisher: CI once saw the 50 records below not all acknowledged within 60 s when the publisher
            // was made before the topics on a fresh broker.
            Topics.ensure(bootstrap, 1, TIMEOUT);
            Publishers.warmUp(bootstrap, TIMEOUT);
        } catch (RuntimeException | Error e) {
            kafka.close();
            throw e;
        }
        try (KafkaPublisher publisher = new KafkaPublisher(bootstrap,
                new KafkaPublisher.Settings(CAPACITY, Duration.ofSeconds(10)))) {
            for (int i = 0; i < BEFORE; i++) {
                publisher.publish(Topics.METRICS, "run", value("before", i));
            }
            Await.until(() -> publisher.sent() + publisher.errors() + publisher.dropped() == BEFORE, TIMEOUT,
                    "records before the outage delivered", () -> Publishers.accounts(publisher));
            assertThat(publisher.dropped() + publisher.errors() + publisher.outages())
                    .as("nothing lost before the outage: %s", Publishers.accounts(publisher)).isZero();

            kafka.close();
            // The first record goes to a topic the producer has never seen: its send waits for metadata the
            // stopped broker cannot give, so the sender thread is stuck from the first record on.
            long slowest = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < DURING; i++) {
                long c0 = System.nanoTime();
                publisher.publish(i == 0 ? Topics.EVENTS : Topics.METRICS, "run", value("during", i));
                slowest = Math.max(slowest, System.nanoTime() - c0);
            }
            Duration loop = Duration.ofNanos(System.nanoTime() - t0);
            log.info("{} publish calls with the broker down took {} ms, the slowest {} µs", DURING, loop.toMillis(),
                    slowest / 1000);
            assertThat(Duration.ofNanos(slowest)).isLessThan(MAX_PUBLISH_CALL);
            assertThat(loop).isLessThan(Duration.ofSeconds(1));

            // The sender holds at most CAPACITY records with the producer plus the one awaiting a permit;
            // the queue holds CAPACITY; everything else published during the outage was dropped.
            Await.until(() -> balanced(publisher), TIMEOUT, "accounting balances during the outage",
                    () -> Publishers.accounts(publisher));
            assertThat(publisher.queued()).isEqualTo(CAPACITY);
            assertThat(publisher.inFlight()).isBetween(1, CAPACITY + 1);
            assertThat(publisher.sent()).isEqualTo(BEFORE);
            assertThat(publisher.errors()).isZero();
            assertThat(publisher.dropped()).isEqualTo(DURING - CAPACITY - publisher.inFlight())
                    .isGreaterThanOrEqualTo(DURING - 2L * CAPACITY - 1);
            assertThat(publisher.unreachable()).isTrue();
            assertThat(publisher.outages()).isEqualTo(1);

            long down = System.nanoTime();
            kafka = EmbeddedKafka.start(port, data);
            Await.until(() -> !publisher.unreachable(), TIMEOUT, "publishing resumed after the restart",
                    () -> Publishers.accounts(publisher));
            log.info("publishing resumed {} ms after the restart began", (System.nanoTime() - down) / 1_000_000);
            // The backlog first: records published while the queue is still full of it would be dropped,
            // which is (rightly) a second outage, and how soon the backlog drains depends on the machine.
            Await.until(() -> publisher.queued() == 0 && publisher.inFlight() == 0, TIMEOUT, "the backlog delivered",
                    () -> Publishers.accounts(publisher));
            for (int i = 0; i < AFTER; i++) {
                publisher.publish(Topics.METRICS, "run", value("after", i));
            }
            Await.until(() -> publisher.queued() == 0 && publisher.inFlight() == 0, TIMEOUT, "everything settled");
            Await.until(() -> balanced(publisher), TIMEOUT, "accounting balances after the outage");
            assertThat(publisher.published()).isEqualTo(BEFORE + DURING + AFTER);
            assertThat(publisher.sent() + publisher.errors() + publisher.dropped()).isEqualTo(publisher.published());
            assertThat(publisher.sent()).isGreaterThanOrEqualTo(BEFORE + AFTER);
            assertThat(publisher.outages()).as("one warning for one outage").isEqualTo(1);

            List<String> values = TopicReader.readUntil(bootstrap, Topics.METRICS,
                    r -> r.stream().filter(x -> text(x).startsWith("after-")).count() == AFTER, TIMEOUT)
                    .stream().map(KafkaPublisherOutageTest::text).toList();
            assertThat(values.stream().filter(v -> v.startsWith("before-")).toList())
                    .as("records from before the outage survived the restart").hasSize(BEFORE);
            assertThat(values.stream().filter(v -> v.startsWith("after-")).toList())
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, AFTER)
                            .mapToObj(i -> "after-" + i).toList());
        } finally {
            kafka.close();
        }
    }

    @Test
    void closeGivesUpWithinItsTimeoutWhenKafkaNeverAnswersAndAccountsForEveryRecord() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        KafkaPublisher publisher = new KafkaPublisher("127.0.0.1:" + port,
                new KafkaPublisher.Settings(CAPACITY, Duration.ofSeconds(1)));
        for (int i = 0; i < 50; i++) {
            publisher.publish(Topics.METRICS, "run", value("lost", i));
        }
        long t0 = System.nanoTime();
        publisher.close();
        // The sender waits on metadata for up to max.block.ms (10 s); close must not wait that out.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(publisher.sent()).isZero();
        assertThat(publisher.queued() + publisher.inFlight()).isZero();
        assertThat(publisher.errors() + publisher.dropped()).isEqualTo(50);
        assertThat(publisher.outages()).as("closing is no outage").isZero();
    }

    /** published = sent + errors + dropped + queued + inFlight: every record is in exactly one place. */
    private static boolean balanced(KafkaPublisher p) {
        return p.published() == p.sent() + p.errors() + p.dropped() + p.queued() + p.inFlight();
    }

    private static byte[] value(String phase, int i) {
        return (phase + "-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }
}
