package dev.terrain.streams.kafka;

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

/**
 * Reads a topic from the beginning with a plain consumer (no group, every partition assigned), as an
 * outside client would, so the tests check what actually reached the broker.
 */
final class TopicReader {
    private TopicReader() {
    }

    /**
     * Reads from the beginning of {@code topic} until {@code done} holds for what was read or {@code timeout}
     * passes, then returns everything read (the caller asserts on it).
     */
    static List<ConsumerRecord<byte[], byte[]>> readUntil(String bootstrap, String topic,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(read) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(read::add);
            }
        }
        return read;
    }

    /** Reads until {@code count} records arrived, then polls {@code linger} more so extra records show. */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int count, Duration timeout,
            Duration linger) {
        long[] reachedAt = {0};
        return readUntil(bootstrap, topic, r -> {
            if (r.size() < count) {
                return false;
            }
            if (reachedAt[0] == 0) {
                reachedAt[0] = System.nanoTime();
            }
            return System.nanoTime() - reachedAt[0] >= linger.toNanos();
        }, timeout);
    }
}
