package dev.terrain.streams.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EmbeddedKafka} and {@link Topics} against the real in-process broker. */
class KafkaBrokerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void startsOnAFreePortAndEnsuresTheTopicsIdempotently() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, dir.resolve("kafka"))) {
            assertThat(kafka.port()).isPositive();
            assertThat(kafka.bootstrap()).isEqualTo("127.0.0.1:" + kafka.port());

            Topics.ensure(kafka.bootstrap(), 3, TIMEOUT);
            assertThat(partitionsPerTopic(kafka.bootstrap())).containsAllEntriesOf(Map.of(Topics.SNAPSHOTS, 3,
                    Topics.METRICS, 3, Topics.LANDSCAPE, 3, Topics.EVENTS, 3, Topics.CONFIGS, 3));
            // A run's configuration must outlive retention: only the configs topic is compacted.
            assertThat(cleanupPolicy(kafka.bootstrap(), Topics.CONFIGS)).isEqualTo("compact");
            assertThat(cleanupPolicy(kafka.bootstrap(), Topics.SNAPSHOTS)).isEqualTo("delete");

            // Again, asking for more partitions: nothing is created or changed, nothing fails.
            Topics.ensure(kafka.bootstrap(), 5, TIMEOUT);
            assertThat(partitionsPerTopic(kafka.bootstrap())).containsAllEntriesOf(
                    Map.of(Topics.SNAPSHOTS, 3, Topics.METRICS, 3, Topics.LANDSCAPE, 3, Topics.EVENTS, 3));
        }
    }

    @Test
    void restartingOnTheSameDirectoryAndPortKeepsTopicsAndRecords() {
        Path data = dir.resolve("kafka");
        int port;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, data)) {
            port = kafka.port();
            Topics.ensure(kafka.bootstrap(), 2, TIMEOUT);
            produce(kafka.bootstrap(), Topics.EVENTS, 10);
        }
        try (EmbeddedKafka again = EmbeddedKafka.start(port, data)) {
            assertThat(again.bootstrap()).isEqualTo("127.0.0.1:" + port);
            assertThat(partitionsPerTopic(again.bootstrap()).keySet()).containsAll(Topics.ALL);
            List<String> values = TopicReader.read(again.bootstrap(), Topics.EVENTS, 10, TIMEOUT, Duration.ZERO)
                    .stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).sorted().toList();
            assertThat(values).containsExactly("event-0", "event-1", "event-2", "event-3", "event-4", "event-5",
                    "event-6", "event-7", "event-8", "event-9");
        }
    }

    @Test
    void aBusyPortFailsNamingThePortBeforeTouchingTheDataDirectory() throws Exception {
        Path data = dir.resolve("kafka");
        try (ServerSocket taken = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedKafka.start(port, data))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("in use");
        }
        assertThat(data).doesNotExist();
    }

    @Test
    void ensureFailsNamingTheBrokerWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        String bootstrap = "127.0.0.1:" + port;
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Topics.ensure(bootstrap, 1, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(bootstrap);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    private static Map<String, Integer> partitionsPerTopic(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<String, TopicDescription> topics = admin.describeTopics(Topics.CREATED).allTopicNames().get();
            return topics.values().stream()
                    .collect(Collectors.toMap(TopicDescription::name, t -> t.partitions().size()));
        } catch (Exception e) {
            throw new AssertionError("describing topics on " + bootstrap, e);
        }
    }

    private static String cleanupPolicy(String bootstrap, String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value();
        } catch (Exception e) {
            throw new AssertionError("describing " + topic + " on " + bootstrap, e);
        }
    }

    private static void produce(String bootstrap, String topic, int n) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("event-" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        } catch (Exception e) {
            throw new AssertionError("producing to " + topic, e);
        }
    }
}
