package dev.terrain.ops.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunEvent;
import dev.terrain.actors.RunListener;
import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.kafka.KafkaPublisher;
import dev.terrain.streams.kafka.SnapshotCodec;
import dev.terrain.streams.kafka.Topics;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A run's records on the Kafka topics, keyed by run id: metrics, landscape results and events as JSON
 * objects (the run-directory lines of {@link RunRecords} with a leading {@code "run"}), snapshots in the
 * binary {@link SnapshotCodec} format, and the run's configuration on {@link Topics#CONFIGS}. Publishing
 * never blocks the run (see {@link KafkaPublisher}).
 *
 * <p>The configuration is published once, when the listener is made (before training). A remote probe
 * worker cannot use a snapshot without it, yet the publisher drops its oldest records when Kafka is away
 * long enough, and the configuration is the oldest of all: so after a snapshot, when the publisher has
 * dropped records since the configuration was last published, it is published again (the topic is
 * compacted, so repeats cost nothing kept).
 */
public final class KafkaRunListener implements RunListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String runId;
    private final KafkaPublisher publisher;
    private final byte[] config;
    private final AtomicLong droppedAtConfig = new AtomicLong();

    /** Without a configuration on {@link Topics#CONFIGS} (remote probe workers cannot serve this run). */
    public KafkaRunListener(String runId, KafkaPublisher publisher) {
        this(runId, publisher, null);
    }

    /** Publishes {@code config} (the run's resolved HOCON) now, and again after drops (see above). */
    public KafkaRunListener(String runId, KafkaPublisher publisher, String config) {
        this.runId = runId;
        this.publisher = publisher;
        this.config = config == null ? null : config.getBytes(StandardCharsets.UTF_8);
        if (this.config != null) {
            publishConfig();
        }
    }

    @Override
    public void metrics(MetricsRecord record) {
        publisher.publish(Topics.METRICS, runId, json(RunRecords.metrics(record)));
    }

    @Override
    public void landscape(LandscapeRecord record) {
        publisher.publish(Topics.LANDSCAPE, runId, json(RunRecords.landscape(record)));
    }

    @Override
    public void event(RunEvent event) {
        publisher.publish(Topics.EVENTS, runId, json(RunRecords.event(event)));
    }

    @Override
    public void snapshot(ParameterSnapshot snapshot) {
        publisher.publish(Topics.SNAPSHOTS, runId, SnapshotCodec.encode(snapshot));
        if (config != null && publisher.dropped() > droppedAtConfig.get()) {
            publishConfig();
        }
    }

    private void publishConfig() {
        publisher.publish(Topics.CONFIGS, runId, config);
        droppedAtConfig.set(publisher.dropped());
    }

    private byte[] json(Map<String, Object> record) {
        Map<String, Object> withRun = new LinkedHashMap<>();
        withRun.put("run", runId);
        withRun.putAll(record);
        try {
            return JSON.writeValueAsBytes(withRun);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
