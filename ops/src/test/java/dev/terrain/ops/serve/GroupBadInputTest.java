package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.Topics;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group instance that cannot work says why and keeps trying: an unreachable broker, and a consumer group
 * name that something else (a consumer with another assignment strategy) holds. The HTTP API stays up,
 * {@code /health} names the problem, and a submission is refused with 503 instead of being lost.
 */
class GroupBadInputTest {
    @TempDir
    Path runs;
    @TempDir
    Path kafkaData;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Service service;
    private EmbeddedKafka broker;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private String start(String bootstrap, String group) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("run.dir", runs.toString());
        o.put("serve.port", "0");
        o.put("prometheus.enabled", "false");
        o.put("kafka.bootstrap", bootstrap);
        o.put("serve.group", group);
        o.put("serve.instance", "lonely");
        o.put("serve.sessionTimeout", "6s");
        service = Service.start(ServeSettings.load(null, o), ProgressSink.NONE);
        return service.url();
    }

    @Test
    void anUnreachableBrokerIsNamedOnHealthRetriedAndSubmissionsAreRefusedWith503() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String base = start("127.0.0.1:" + closed, "g");
        JsonNode health = awaitProblem(base, "unreachable");
        assertThat(health.path("kafka").asText()).contains("127.0.0.1:" + closed);
        assertThat(health.path("status").asText()).isEqualTo("ok");
        ServeTest.Reply r = ServeTest.send(http, base, "POST", "/runs", "application/hocon",
                (ServeTest.RUN + "run.id = a\n").getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().path("error").asText()).contains("cannot be read now").contains("try again");
        assertThat(runs.resolve("a")).doesNotExist();
    }

    @Test
    void aGroupNameHeldByAnotherKindOfConsumerIsNamedOnHealth() throws Exception {
        broker = EmbeddedKafka.start(0, kafkaData);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(Topics.RUNS, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "taken");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> other = new KafkaConsumer<>(p)) {
            other.subscribe(List.of(Topics.RUNS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (other.assignment().isEmpty()) {
                other.poll(Duration.ofMillis(100));
                assertThat(System.nanoTime()).as("the other consumer joins").isLessThan(deadline);
            }
            String base = start(broker.bootstrap(), "taken");
            // Keep the other member alive while the service tries to join its group.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            JsonNode health = null;
            while (System.nanoTime() < until) {
                other.poll(Duration.ofMillis(100));
                health = ServeTest.send(http, base, "GET", "/health", null, null).json();
                if (health.path("kafka").asText().contains("used by something else")) {
                    break;
                }
            }
            assertThat(health.path("kafka").asText()).as(health.toString())
                    .contains("consumer group 'taken' is used by something else").contains("its own name");
            assertThat(health.path("partitions")).isEmpty();
        }
    }

    private JsonNode awaitProblem(String base, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            JsonNode h = ServeTest.send(http, base, "GET", "/health", null, null).json();
            if (h.path("kafka").asText().contains(text)) {
                return h;
            }
            assertThat(System.nanoTime()).as("health names '%s': %s", text, h).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
