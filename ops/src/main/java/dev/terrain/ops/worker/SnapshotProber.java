package dev.terrain.ops.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.PipelineSettings.ProbeSpec;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.RunRecords;
import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.kafka.SnapshotCodec;
import dev.terrain.streams.kafka.Topics;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link ProbeWorker} does with one snapshot record, on the worker's processing thread: decode it,
 * find its run's configuration and model, run the due probes, publish their records and wait for the
 * broker's acknowledgement (so the offset is committed only for results that exist), then commit.
 * Nothing a record holds can stop the worker: a malformed record, an unknown run or an invalid
 * configuration is logged and skipped; a probe that throws gives a record with {@code error}.
 */
final class SnapshotProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotProber.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Landscape records are small; waiting longer than this for their acknowledgement means Kafka is away. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    /** A remote worker cannot know how far the trainer has gone since the snapshot. */
    private static final long LAG_UNKNOWN = -1;

    private final ProbeWorker.Settings settings;
    private final RunConfigs configs;
    private final RunModels models;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Consumer<ProbeWorker.Processed> onProcessed;

    SnapshotProber(ProbeWorker.Settings settings, RunConfigs configs, Consumer<ProbeWorker.Processed> onProcessed) {
        this.settings = settings;
        this.configs = configs;
        this.onProcessed = onProcessed;
        this.models = new RunModels(settings.models(), settings.overrides());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap(),
                ProducerConfig.CLIENT_ID_CONFIG, settings.id() + "-landscape",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
    }

    /** Processes one record; true when probes ran (or none was due), false when it was skipped. */
    boolean process(ConsumerRecord<byte[], byte[]> r) throws InterruptedException {
        ParameterSnapshot s;
        try {
            if (r.value() == null) {
                throw new IllegalArgumentException("the record has no value");
            }
            s = SnapshotCodec.decode(r.value());
        } catch (IllegalArgumentException malformed) {
            LOG.warn("skipping a malformed snapshot at {} partition {} offset {}: {}", r.topic(), r.partition(),
                    r.offset(), malformed.getMessage());
            return false;
        }
        Optional<String> config = configs.await(s.runId(), settings.configWait());
        if (config.isEmpty()) {
            LOG.warn("skipping run {} step {} ({} partition {} offset {}): no configuration of the run on {} within {}",
                    s.runId(), s.step(), r.topic(), r.partition(), r.offset(), Topics.CONFIGS, settings.configWait());
            return false;
        }
        RunModels.RunModel model;
        try {
            model = models.model(s.runId(), config.get());
        } catch (UserError | IllegalArgumentException invalid) {
            LOG.warn("skipping run {} step {}: its configuration with this worker's overrides is invalid: {}",
                    s.runId(), s.step(), invalid.getMessage());
            return false;
        } catch (RuntimeException buildFailed) {
            // E.g. the engine cannot allocate the model: this run is skipped, other runs may still fit.
            LOG.warn("skipping run {} step {}: its model could not be built: {}", s.runId(), s.step(),
                    buildFailed.toString());
            return false;
        }
        List<LandscapeRecord> records = new ArrayList<>();
        for (ProbeSpec spec : model.probes()) {
            if (s.step() % spec.every() == 0) {
                records.add(probe(spec, model.trainer(), s));
            }
        }
        publish(s.runId(), records, r.timestamp());
        onProcessed.accept(new ProbeWorker.Processed(s.runId(), s.step(), List.copyOf(records)));
        return true;
    }

    /** Runs one probe on the model loaded with the snapshot, as a pool probe does; a failure becomes the record's error. */
    static LandscapeRecord probe(ProbeSpec spec, Trainer model, ParameterSnapshot s) {
        long start = System.nanoTime();
        try {
            model.objective().network().parameters().load(s.values());
            model.skipTo(s.step());
            Map<String, Object> figures = spec.probe().run(model, s);
            return new LandscapeRecord(s.runId(), s.step(), spec.name(), figures, seconds(start), LAG_UNKNOWN, 0, null);
        } catch (RuntimeException e) {
            LOG.warn("probe {} failed on run {} step {}: {}", spec.name(), s.runId(), s.step(), e.toString());
            return new LandscapeRecord(s.runId(), s.step(), spec.name(), Map.of(), seconds(start), LAG_UNKNOWN, 0,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Publishes the records and waits for their acknowledgement. A failure is thrown: the snapshot is then
     * not committed, and the worker stops rather than silently losing results.
     */
    private void publish(String runId, List<LandscapeRecord> records, long snapshotTimestamp) throws InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        for (LandscapeRecord rec : records) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", runId);
            m.putAll(RunRecords.landscape(rec));
            m.put("worker", settings.id());
            m.put("age_ms", System.currentTimeMillis() - snapshotTimestamp);
            sent.add(producer.send(new ProducerRecord<>(Topics.LANDSCAPE, key, json(m))));
        }
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get(SEND_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new KafkaException("landscape records of run " + runId + " were not acknowledged by Kafka at "
                        + settings.bootstrap() + ": " + e, e);
            }
        }
    }

    /**
     * Commits the record's offset. A commit refused because the partition moved to another worker is
     * logged, not fatal: the new owner processes the snapshot again (at-least-once).
     */
    void commit(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecord<byte[], byte[]> r) {
        try {
            consumer.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
        } catch (org.apache.kafka.clients.consumer.CommitFailedException
                | org.apache.kafka.common.errors.RebalanceInProgressException moved) {
            LOG.warn("offset {} of {} partition {} not committed ({}); its next owner may probe it again", r.offset(),
                    r.topic(), r.partition(), moved.getMessage());
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static byte[] json(Map<String, Object> m) {
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } finally {
            models.close();
        }
    }
}
