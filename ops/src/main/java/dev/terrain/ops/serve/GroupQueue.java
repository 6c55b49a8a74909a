package dev.terrain.ops.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.run.Json;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run queue of a group of {@code ./terrain serve} instances, kept in Kafka: a submission is a record
 * on {@link Topics#RUNS} keyed by run id; every instance of the group consumes that topic in one consumer
 * group and trains the runs of the partitions Kafka assigns it. Kafka's consumer group is the whole
 * distribution engine: no membership, election or RPC of Terrain's own.
 *
 * <p>Delivery: a partition holds at most one active run on its owner. The record of a run that starts
 * is not committed; the partition is paused until the run reaches a final state, whose event is written
 * to {@link Topics#EVENTS} first, and only then is the record's offset committed and the partition
 * resumed. So a run is never lost: an instance that dies before the commit leaves the offset at the run's
 * record, and the partition's next owner (after the session timeout) receives it again and resumes the
 * run from its newest checkpoint in the shared run directory. Partitions are also paused while the
 * instance has no free slot ({@code serve.concurrency}), so runs wait in Kafka, where any instance can
 * take them, rather than in one instance's memory. Rebalancing is cooperative (only partitions that move
 * are revoked); a revoked partition's run checkpoints and stops before the partition is handed over.
 *
 * <p>Every instance also reads the whole events topic into a {@link GroupView}, so any instance answers
 * {@code GET /runs} for the group. A record on the runs topic that is not a run (not JSON, no id, no
 * configuration) is rejected: a {@code rejected} event names the partition, offset and reason, and its
 * offset is committed.
 *
 * <p>Only the consumer thread touches the consumer; commits requested by run threads are queued to it.
 */
final class GroupQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupQueue.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** What a service event carries in {@code source}, to tell it from a run's own lifecycle events. */
    static final String SOURCE = "serve";

    /** A run record taken from the queue: where it was (for the commit) and what it holds. */
    record Delivered(String runId, TopicPartition partition, long offset, String config, String submittedAt) {}

    /** What the queue asks of the service. Called on the consumer thread. */
    interface Runs {
        /** Free run slots on this instance now. */
        int free();

        /** Starts (or settles at once) a delivered run; its partition stays paused until {@link #done}. */
        void deliver(Delivered run);

        /**
         * Stops the runs of partitions this instance no longer owns and returns when they have stopped
         * (checkpointed when {@code lost} is false; when true another instance may own them already).
         */
        void release(Collection<TopicPartition> partitions, boolean lost);
    }

    /** The group settings: who, where, how many partitions, how fast a dead member is noticed. */
    record Settings(String bootstrap, String group, String instance, int partitions, Duration sessionTimeout) {}

    private final Settings settings;
    private final Runs runs;
    private final KafkaProducer<String, String> producer;
    private final GroupView view;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Delivered> commits = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Delivered> retries = new ConcurrentLinkedQueue<>();
    private final Set<TopicPartition> busy = new HashSet<>();
    private final Set<TopicPartition> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private volatile String problem = "connecting";

    GroupQueue(Settings settings, Runs runs) {
        this.settings = settings;
        this.runs = runs;
        this.producer = new KafkaProducer<>(producerProperties(settings));
        this.view = new GroupView(settings.bootstrap(), settings.group(), settings.instance());
        this.thread = new Thread(this::loop, "terrain-serve-group-" + settings.group());
        thread.setDaemon(true);
    }

    /** Joins the group and starts taking runs (call once the service can take them). */
    void start() {
        thread.start();
    }

    private static Map<String, Object> producerProperties(Settings s) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, s.instance() + "-queue");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() - 1000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static Map<String, Object> consumerProperties(Settings s) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, s.group());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, s.instance() + "-runs");
        // A stable member name across restarts would let Kafka keep the partitions of an instance that comes
        // back (static membership), but a dead instance's runs would then wait its whole session out.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) s.sessionTimeout().toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, s.sessionTimeout().toMillis() / 4));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /**
     * Appends a run to the queue and waits for the broker's acknowledgement, after its {@code queued}
     * event. Throws {@link ApiError} 503 when Kafka does not take it.
     */
    void submit(String runId, String config) {
        String at = Instant.now().toString();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", runId);
        m.put("group", settings.group());
        m.put("config", config);
        m.put("submitted_at", at);
        m.put("submitted_to", settings.instance());
        // The event goes first: GET /runs on any instance knows the run before any instance can start it.
        event(runId, "queued", Map.of("submitted_at", at));
        send(Topics.RUNS, runId, json(m));
    }

    /** Writes a service event for {@code runId} (state plus details) and waits for the acknowledgement. */
    void event(String runId, String state, Map<String, ?> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", SOURCE);
        m.put("group", settings.group());
        m.put("run", runId);
        m.put("state", state);
        m.put("instance", settings.instance());
        m.put("at", Instant.now().toString());
        m.putAll(details);
        send(Topics.EVENTS, runId, json(m));
    }

    private void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted while writing to Kafka at " + settings.bootstrap());
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ApiError(503, "Kafka at " + settings.bootstrap() + " did not take the record for " + topic + " ("
                    + cause.getMessage() + "); try again");
        }
    }

    /** The run of {@code run} reached a final state (its event written): commit its record, free its partition. */
    void done(Delivered run) {
        commits.add(run);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * A run stopped here without a final state while this instance may still own its partition: its record
     * is delivered again (to this instance if it keeps the partition, else to the partition's new owner).
     */
    void retry(Delivered run) {
        retries.add(run);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Every instance's runs, from the events topic. */
    GroupView view() {
        return view;
    }

    /** The {@link Topics#RUNS} partitions this instance owns now. */
    List<Integer> partitions() {
        return owned.stream().map(TopicPartition::partition).sorted().toList();
    }

    /** Why the queue is not consuming (null when it is). */
    String problem() {
        return problem;
    }

    private void loop() {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try {
                ensureTopic();
                consume();
            } catch (WakeupException woken) {
                // close() woke the loop
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                problem = describe(e);
                LOG.error("instance {} cannot consume {} in group '{}' at Kafka {}: {}; retrying in {} s", settings.instance(),
                        Topics.RUNS, settings.group(), settings.bootstrap(), problem, backoff.toSeconds());
                sleep(backoff);
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** A user's reading of a Kafka failure: the group protocol clash is the common misconfiguration. */
    private String describe(RuntimeException e) {
        if (e instanceof org.apache.kafka.common.errors.InconsistentGroupProtocolException) {
            return "the consumer group '" + settings.group() + "' is used by something else than terrain serve (another "
                    + "protocol or assignment strategy, e.g. a probe worker group); give the service group its own name";
        }
        if (e instanceof org.apache.kafka.common.errors.InvalidGroupIdException) {
            return "'" + settings.group() + "' is not a valid consumer group id";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Creates the runs topic when missing: kept forever (a queued run must not expire). */
    private void ensureTopic() {
        int timeoutMs = 15_000;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs))) {
            Set<String> names = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            if (!names.contains(Topics.RUNS)) {
                missing.add(new NewTopic(Topics.RUNS, settings.partitions(), (short) 1).configs(Map.of("retention.ms", "-1")));
            }
            if (!names.contains(Topics.EVENTS)) {
                missing.add(new NewTopic(Topics.EVENTS, settings.partitions(), (short) 1));
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                    LOG.info("created {} with {} partitions", missing.stream().map(NewTopic::name).toList(), settings.partitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka at " + settings.bootstrap() + " is unreachable or refused to create "
                    + Topics.RUNS + " (" + (e.getCause() == null ? e : e.getCause()).getMessage() + ")", e);
        }
    }

    private void consume() {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties(settings));
        consumer = c;
        try {
            c.subscribe(List.of(Topics.RUNS), new Rebalance());
            while (running) {
                commitFinished(c);
                Delivered again;
                while ((again = retries.poll()) != null) {
                    busy.remove(again.partition());
                    if (c.assignment().contains(again.partition())) {
                        c.seek(again.partition(), again.offset());
                    }
                }
                Set<TopicPartition> assigned = c.assignment();
                int free = runs.free();
                List<TopicPartition> pause = new ArrayList<>();
                List<TopicPartition> resume = new ArrayList<>();
                for (TopicPartition p : assigned) {
                    (free <= 0 || busy.contains(p) ? pause : resume).add(p);
                }
                c.pause(pause);
                c.resume(resume);
                try {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                        take(c, r);
                    }
                    problem = null;
                } catch (WakeupException woken) {
                    // a run finished (its commit is queued) or the queue closes
                }
            }
        } finally {
            consumer = null;
            try {
                commitFinished(c);
            } catch (RuntimeException e) {
                LOG.warn("final commits failed: {}", e.toString());
            }
            c.close(CloseOptions.timeout(Duration.ofSeconds(10)));
        }
    }

    /** One record of the runs topic: a run to start, or a malformed record to reject. */
    private void take(KafkaConsumer<byte[], byte[]> c, ConsumerRecord<byte[], byte[]> r) {
        TopicPartition p = new TopicPartition(r.topic(), r.partition());
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        String reason = null;
        JsonNode n = null;
        try {
            n = r.value() == null ? null : Json.MAPPER.readTree(r.value());
            if (n == null || !n.isObject()) {
                reason = "the record is not a JSON object";
            } else if (n.path("group").isTextual() && !n.path("group").asText().equals(settings.group())) {
                // Another group's run on the shared topic: not ours to train, nothing to say.
                commit(c, p, r.offset());
                return;
            } else if (!n.path("group").isTextual()) {
                reason = "the record names no \"group\"";
            } else if (!n.path("id").isTextual() || n.path("id").asText().isBlank()) {
                reason = "the record has no \"id\"";
            } else if (!n.path("config").isTextual()) {
                reason = "the record has no \"config\" (the run's HOCON text)";
            } else if (!n.path("id").asText().matches("[A-Za-z0-9._-]+") || n.path("id").asText().startsWith(".")) {
                reason = "its id '" + n.path("id").asText() + "' is not a run id";
            }
        } catch (IOException e) {
            reason = "the record is not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        if (reason != null) {
            String run = key != null && key.matches("[A-Za-z0-9._-]{1,200}") ? key : "?";
            LOG.warn("rejected the record at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(), reason);
            event(run, "rejected", Map.of("reason", reason, "partition", r.partition(), "offset", r.offset()));
            commit(c, p, r.offset());
            return;
        }
        busy.add(p);
        c.pause(List.of(p));
        runs.deliver(new Delivered(n.get("id").asText(), p, r.offset(), n.get("config").asText(),
                n.path("submitted_at").asText(null)));
    }

    private void commitFinished(KafkaConsumer<byte[], byte[]> c) {
        Delivered d;
        while ((d = commits.poll()) != null) {
            busy.remove(d.partition());
            if (c.assignment().contains(d.partition())) {
                commit(c, d.partition(), d.offset());
            }
        }
    }

    /**
     * Commits past {@code offset}. A failed commit (this instance lost the partition: a zombie) is logged;
     * the partition's new owner then receives the run again, finds it finished in the shared directory and
     * only commits.
     */
    private void commit(KafkaConsumer<byte[], byte[]> c, TopicPartition p, long offset) {
        try {
            try {
                c.commitSync(Map.of(p, new OffsetAndMetadata(offset + 1)));
            } catch (WakeupException woken) {
                // done() or close() woke the consumer during the commit: commit again, it was not made
                c.commitSync(Map.of(p, new OffsetAndMetadata(offset + 1)));
            }
        } catch (CommitFailedException | RebalanceInProgressException e) {
            LOG.warn("could not commit {} offset {} ({}); its next owner settles it", p, offset, e.getMessage());
        }
    }

    /** Stops the runs of partitions that move away before Kafka hands them over. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            runs.release(partitions, false);
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                commitFinished(c);
            }
            partitions.forEach(p -> {
                busy.remove(p);
                owned.remove(p);
            });
            LOG.info("instance {} gave up {} partitions {}", settings.instance(), Topics.RUNS, numbers(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            owned.addAll(partitions);
            if (!partitions.isEmpty()) {
                LOG.info("instance {} now owns {} partitions {}", settings.instance(), Topics.RUNS, partitions());
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            LOG.warn("instance {} lost {} partitions {} (its session expired): their runs stop without a checkpoint",
                    settings.instance(), Topics.RUNS, numbers(partitions));
            runs.release(partitions, true);
            commits.removeIf(d -> partitions.contains(d.partition()));
            partitions.forEach(p -> {
                busy.remove(p);
                owned.remove(p);
            });
        }

        private List<Integer> numbers(Collection<TopicPartition> partitions) {
            return partitions.stream().map(TopicPartition::partition).sorted().toList();
        }
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops consuming and leaves the group (its partitions go to the others at once). Call after the runs stopped. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        } else {
            // Not consuming: waiting for Kafka or backing off, both interruptible.
            thread.interrupt();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        view.close();
        producer.close(Duration.ofSeconds(10));
    }
}
