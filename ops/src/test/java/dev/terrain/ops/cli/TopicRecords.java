package dev.terrain.ops.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads topics back with a plain Kafka consumer, as a subscriber of Terrain's topics would. */
final class TopicRecords {
    private TopicRecords() {}

    /**
     * Every record of {@code topics} from the beginning, in a fresh consumer group: polls until at least
     * {@code atLeast} records came and then three polls in a row brought nothing (a duplicate would show up
     * as an extra record), or 60 s passed.
     */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String group, List<String> topics, int atLeast) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int quiet = 0;
            while (System.nanoTime() < deadline && (out.size() < Math.max(1, atLeast) || quiet < 3)) {
                var batch = consumer.poll(Duration.ofMillis(500));
                batch.forEach(out::add);
                quiet = batch.isEmpty() ? quiet + 1 : 0;
            }
        }
        return out;
    }
}
