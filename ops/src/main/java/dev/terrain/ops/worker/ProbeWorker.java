package dev.terrain.ops.worker;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.streams.kafka.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote landscape-probe worker: it takes parameter snapshots from {@link Topics#SNAPSHOTS} as one
 * member of a Kafka consumer group, rebuilds each run's model from the run's configuration on
 * {@link Topics#CONFIGS} (with the worker's own overrides on top, e.g. to turn on the Hessian probe), runs
 * the enabled probes due at the snapshot's step and publishes one landscape record per probe to
 * {@link Topics#LANDSCAPE}, keyed by run id. Probing thus scales out over machines without slowing the
 * trainer: each snapshot partition is owned by one worker of the group at a time.
 *
 * <p>Delivery: auto-commit is off; a snapshot's offset is committed (synchronously) only after its
 * landscape records are acknowledged by the broker, or after it was skipped (malformed, no configuration,
 * invalid configuration). So in normal operation a group processes each snapshot once. On a rebalance, a
 * worker death or a failed commit, a snapshot whose processing was not committed is processed again by the
 * partition's next owner: delivery is at-least-once, and a consumer of {@code terrain.landscape} may see a
 * duplicate (same run, step and probe) after a failure. A worker that dies without leaving the group holds
 * its partitions until the broker's session timeout ({@link Settings#sessionTimeout}) expires.
 *
 * <p>Threads: one processing thread (the group consumer, the models, the probes; DJL work stays on it) and
 * one reading configurations ({@link RunConfigs}). {@link #close()} stops both, leaves the group so the
 * partitions move to the other workers at once, and frees every model.
 */
public final class ProbeWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Longest the due probes of one snapshot may take together: a run's own probes may take
     * pipeline.timeout (10 min by default) each. A hung worker holds its partitions this long.
     */
    private static final Duration MAX_PROBE_TIME = Duration.ofMinutes(15);

    /**
     * @param bootstrap      the Kafka cluster, {@code host:port[,host:port]}
     * @param group          the consumer group that shares the snapshots
     * @param id             this worker's name in its landscape records and in the group's client ids
     * @param overrides      {@code -Dkey=value} settings applied over every run's configuration
     * @param configWait     how long a snapshot waits for its run's configuration before it is skipped
     * @param sessionTimeout how long the broker waits for a silent worker before giving its partitions away
     * @param models         runs whose model is kept built (least recently used freed first)
     */
    public record Settings(String bootstrap, String group, String id, Map<String, String> overrides,
            Duration configWait, Duration sessionTimeout, int models) {
        public Settings {
            overrides = Map.copyOf(overrides);
            if (bootstrap.isBlank() || group.isBlank() || id.isBlank()) {
                throw new IllegalArgumentException("a probe worker needs a bootstrap, a group and an id");
            }
        }

        /** Defaults: 5 s for a configuration, Kafka's 45 s session timeout, 4 models. */
        public static Settings of(String bootstrap, String group, String id, Map<String, String> overrides) {
            return new Settings(bootstrap, group, id, overrides, Duration.ofSeconds(5), Duration.ofSeconds(45), 4);
        }
    }

    /** One snapshot's outcome: the landscape records published for it (empty when no probe was due). */
    public record Processed(String runId, long step, List<LandscapeRecord> records) {}

    private final Settings settings;
    private final RunConfigs configs;
    private final SnapshotProber prober;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Set<Integer> assignment = new HashSet<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean leaveGroup = true;

    /** Starts the worker's threads; the group assigns it partitions shortly after. */
    public ProbeWorker(Settings settings, Consumer<Processed> onProcessed) {
        this.settings = settings;
        this.configs = new RunConfigs(settings.bootstrap(), settings.id());
        try {
            this.prober = new SnapshotProber(settings, configs, onProcessed);
        } catch (RuntimeException e) {
            configs.close();
            throw e;
        }
        try {
            this.consumer = new KafkaConsumer<>(consumerProperties(settings));
        } catch (RuntimeException e) {
            prober.close();
            configs.close();
            throw e;
        }
        this.thread = new Thread(this::loop, "terrain-probe-worker-" + settings.id());
        thread.start();
    }

    private static Map<String, Object> consumerProperties(Settings s) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, s.group());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, s.id() + "-snapshots");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A group that has committed nothing yet starts at the oldest snapshot still kept.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // One snapshot per poll: max.poll.interval.ms then bounds the probes of one snapshot. A worker whose
        // probes take longer is taken out of the group and its snapshot given to another.
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) MAX_PROBE_TIME.toMillis());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) s.sessionTimeout().toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, s.sessionTimeout().toMillis() / 3));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(Topics.SNAPSHOTS), new Rebalance());
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    boolean done = prober.process(r);
                    (done ? processed : skipped).incrementAndGet();
                    prober.commit(consumer, r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("probe worker {} stopped: {}", settings.id(), e.toString(), e);
        } finally {
            consumer.close(leaveGroup ? CloseOptions.timeout(CLOSE_TIMEOUT)
                    : CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
                            .withTimeout(Duration.ZERO));
            prober.close();
        }
    }

    /** Logs the partitions this worker takes and gives up, and keeps them for {@link #assignment()}. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            synchronized (assignment) {
                partitions.forEach(p -> assignment.remove(p.partition()));
            }
            if (!partitions.isEmpty()) {
                LOG.info("worker {} gave up {} partitions {}", settings.id(), Topics.SNAPSHOTS, numbers(partitions));
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            synchronized (assignment) {
                partitions.forEach(p -> assignment.add(p.partition()));
            }
            LOG.info("worker {} now owns {} partitions {}", settings.id(), Topics.SNAPSHOTS, assignment());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        private List<Integer> numbers(Collection<TopicPartition> partitions) {
            return partitions.stream().map(TopicPartition::partition).sorted().toList();
        }
    }

    /** The {@code terrain.snapshots} partitions this worker owns now. */
    public Set<Integer> assignment() {
        synchronized (assignment) {
            return Set.copyOf(assignment);
        }
    }

    public String id() {
        return settings.id();
    }

    /** Snapshots whose due probes ran and whose records were published. */
    public long processed() {
        return processed.get();
    }

    /** Snapshots skipped: malformed, without a configuration, or with an invalid one. */
    public long skipped() {
        return skipped.get();
    }

    /** Whether the processing thread is still running. */
    public boolean alive() {
        return thread.isAlive();
    }

    /** Stops after the snapshot in hand (its result published and committed), leaves the group, frees models. */
    @Override
    public void close() {
        stop(true);
    }

    /**
     * As a worker whose process died: stops after the snapshot in hand but does not leave the group, so
     * its partitions stay with it until the broker's session timeout. For tests of a worker's death.
     */
    void abandon() {
        stop(false);
    }

    private void stop(boolean leave) {
        leaveGroup = leave;
        // No wakeup(): it would make the commit of the snapshot in hand throw, and that snapshot would then
        // be processed twice. The poll returns within POLL anyway.
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30) + CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            configs.close();
        }
    }
}
