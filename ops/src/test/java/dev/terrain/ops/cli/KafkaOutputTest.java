package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.SnapshotCodec;
import dev.terrain.streams.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run publishes to the four record topics of its embedded broker, and its configuration to the fifth: afterwards the broker is started again on
 * the same data directory and port, and a plain Kafka consumer reads every topic back. Each topic holds
 * exactly the records of the matching run file, keyed by the run id; snapshots decode to the run's steps.
 */
class KafkaOutputTest {
    @Test
    void aRunsRecordsOnTheTopicsMatchItsRunFiles(@TempDir Path runs) throws Exception {
        Path data = runs.resolve("kafka-data");
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", ResumeTest.EXAMPLE, "-Drun.dir=" + runs,
                "-Drun.id=k", "-Dtrain.steps=300", "-Dtrain.logEvery=50", "-Dtrain.printEvery=100000",
                "-Dpipeline.snapshotEvery=100", "-Dprobes.roughness.every=100", "-Dprobes.roughness.directions=10",
                "-Dprobes.roughness.intervals=10", "-Dkafka.port=0", "-Dkafka.dataDir=" + data,
                "-Dprometheus.enabled=false");
        assertThat(code).as(err.toString()).isZero();
        Path dir = runs.resolve("k");
        JsonNode summary = ResumeTest.JSON.readTree(dir.resolve("summary.json").toFile());
        String bootstrap = summary.get("outputs").get("kafka").asText();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));

        try (EmbeddedKafka broker = EmbeddedKafka.start(port, data)) {
            Map<String, List<ConsumerRecord<byte[], byte[]>>> topics = readAll(broker.bootstrap());
            assertThat(topics.get(Topics.METRICS)).hasSize(lines(dir.resolve("metrics.jsonl")));
            assertThat(topics.get(Topics.LANDSCAPE)).hasSize(lines(dir.resolve("landscape.jsonl"))).isNotEmpty();
            assertThat(topics.get(Topics.EVENTS)).hasSize(lines(dir.resolve("events.jsonl")));
            assertThat(topics.get(Topics.SNAPSHOTS)).hasSize(summary.get("pipeline").get("snapshots").asInt());
            topics.values().forEach(records -> assertThat(records).allSatisfy(
                    r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("k")));

            List<Long> metricSteps = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : topics.get(Topics.METRICS)) {
                JsonNode m = ResumeTest.JSON.readTree(r.value());
                assertThat(m.get("run").asText()).isEqualTo("k");
                metricSteps.add(m.get("step").asLong());
            }
            assertThat(metricSteps).containsExactlyInAnyOrder(0L, 50L, 100L, 150L, 200L, 250L, 300L);
            List<Long> snapshotSteps = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : topics.get(Topics.SNAPSHOTS)) {
                ParameterSnapshot s = SnapshotCodec.decode(r.value());
                assertThat(s.runId()).isEqualTo("k");
                assertThat(s.values()).hasSize(summary.get("parameters").asInt());
                snapshotSteps.add(s.step());
            }
            assertThat(snapshotSteps).containsExactlyInAnyOrder(100L, 200L, 300L);
            // The configuration a remote probe worker rebuilds the model from: once, the run's config.conf.
            String config = Files.readString(dir.resolve("config.conf"));
            assertThat(topics.get(Topics.CONFIGS)).singleElement().satisfies(r -> assertThat(
                    new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(config));
        }
    }

    /** Every record of Terrain's topics, by topic. */
    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> readAll(String bootstrap) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        Topics.CREATED.forEach(t -> out.put(t, new ArrayList<>()));
        for (ConsumerRecord<byte[], byte[]> r : TopicRecords.readAll(bootstrap, "kafka-output-test", Topics.CREATED, 1)) {
            out.get(r.topic()).add(r);
        }
        return out;
    }

    private static int lines(Path file) throws java.io.IOException {
        return Files.readAllLines(file).size();
    }
}
