package dev.terrain.ops.worker;

import dev.terrain.streams.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every run's resolved configuration, read from {@link Topics#CONFIGS} on a thread of its own. The
 * consumer has no group: each worker needs every run's configuration, not a share of them, so it assigns
 * itself all partitions and reads from the beginning (the topic is compacted, so that is one record per
 * run), then keeps polling for new runs. A null value (a tombstone) forgets the run.
 */
final class RunConfigs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunConfigs.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Map<String, String> configs = new HashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    RunConfigs(String bootstrap, String workerId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-configs");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        thread = new Thread(this::loop, "terrain-worker-configs-" + workerId);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The configuration of {@code runId}, waiting up to {@code wait} for it: a run publishes its
     * configuration before its first snapshot, but this reader may not have caught up yet.
     */
    synchronized Optional<String> await(String runId, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!configs.containsKey(runId)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return Optional.of(configs.get(runId));
    }

    private synchronized void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            LOG.warn("{} partition {} offset {}: a configuration without a run id key; ignored", r.topic(),
                    r.partition(), r.offset());
            return;
        }
        String run = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            configs.remove(run);
        } else {
            configs.put(run, new String(r.value(), StandardCharsets.UTF_8));
            notifyAll();
        }
    }

    private void loop() {
        try {
            List<TopicPartition> partitions = partitions();
            while (running && partitions.isEmpty()) {
                // The topic does not exist yet: the first run (or `probe-worker`) creates it.
                Thread.sleep(POLL.toMillis());
                partitions = partitions();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    apply(r);
                }
            }
        } catch (WakeupException closing) {
            // close() woke the poll: leave the loop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("reading run configurations from {} failed; no new run can be probed", Topics.CONFIGS, e);
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private List<TopicPartition> partitions() {
        return consumer.partitionsFor(Topics.CONFIGS).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
