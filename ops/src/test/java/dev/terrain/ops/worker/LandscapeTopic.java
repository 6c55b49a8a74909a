package dev.terrain.ops.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The remote workers' records on {@code terrain.landscape} (those with a {@code worker} field), read as a test sees them. */
final class LandscapeTopic implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<JsonNode> records = new ArrayList<>();

    LandscapeTopic(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.LANDSCAPE).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads until the workers' records of {@code run} satisfy {@code done}, or the deadline passes; returns them. */
    List<JsonNode> await(String run, Predicate<List<JsonNode>> done, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        List<JsonNode> ofRun = ofRun(run);
        while (!done.test(ofRun) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                try {
                    JsonNode n = JSON.readTree(r.value());
                    if (n.has("worker")) {
                        records.add(n);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            ofRun = ofRun(run);
        }
        return ofRun;
    }

    private List<JsonNode> ofRun(String run) {
        return records.stream().filter(n -> n.path("run").asText().equals(run)).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
