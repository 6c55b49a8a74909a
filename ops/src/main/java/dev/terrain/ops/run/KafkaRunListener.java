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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's records on the Kafka topics, keyed by run id: metrics, landscape results and events as JSON
 * objects (the run-directory lines of {@link RunRecords} with a leading {@code "run"}), snapshots in the
 * binary {@link SnapshotCodec} format. Publishing never blocks the run (see {@link KafkaPublisher}).
 */
public final class KafkaRunListener implements RunListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String runId;
    private final KafkaPublisher publisher;

    public KafkaRunListener(String runId, KafkaPublisher publisher) {
        this.runId = runId;
        this.publisher = publisher;
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
