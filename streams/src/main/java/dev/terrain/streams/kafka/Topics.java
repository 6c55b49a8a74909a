package dev.terrain.streams.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka topics a Terrain run writes, and their creation. Every record is keyed by run id, so one
 * run's records stay in order within a partition however many partitions a topic has.
 */
public final class Topics {
    private static final Logger log = LoggerFactory.getLogger(Topics.class);

    /** Parameter snapshots ({@link SnapshotCodec} binary), for probes running outside the trainer. */
    public static final String SNAPSHOTS = "terrain.snapshots";
    /** Per-step training metrics (JSON run records). */
    public static final String METRICS = "terrain.metrics";
    /** Loss-landscape measurements (JSON run records). */
    public static final String LANDSCAPE = "terrain.landscape";
    /** Run lifecycle events: started, diverged, checkpointed, finished (JSON run records). */
    public static final String EVENTS = "terrain.events";
    /**
     * The run queue of a {@code ./terrain serve} group (JSON: id, config, submitted_at), keyed by run id;
     * created by the group with its own partition count and no retention limit, not by {@link #ensure}.
     */
    public static final String RUNS = "terrain.runs";
    /** Every record topic above, in that order. */
    public static final List<String> ALL = List.of(SNAPSHOTS, METRICS, LANDSCAPE, EVENTS);
    /**
     * Each run's resolved configuration (HOCON text) keyed by run id, so a remote probe worker can rebuild
     * the run's model. Compacted: the newest configuration of every run is kept however old, while the
     * record topics may be trimmed by retention.
     */
    public static final String CONFIGS = "terrain.configs";
    /** Every topic {@link #ensure} creates: {@link #ALL} and {@link #CONFIGS}. */
    public static final List<String> CREATED = List.of(SNAPSHOTS, METRICS, LANDSCAPE, EVENTS, CONFIGS);

    /** One node, or a development cluster: Terrain's records are telemetry, not the system of record. */
    private static final short REPLICATION = 1;
    private static final long LEADER_POLL_MS = 20;
    private static final String CLEANUP_POLICY = "cleanup.policy";
    private static final String COMPACT = "compact";

    private Topics() {
    }

    /**
     * Creates whichever of {@link #CREATED} do not exist yet, with {@code partitions} partitions and
     * replication 1, {@link #CONFIGS} compacted; topics that exist are left as they are (their partition
     * count and cleanup policy are not changed).
     * Safe to call again, and from several processes at once.
     *
     * @throws IllegalStateException naming the broker when it cannot be reached or does not answer within
     *                               {@code timeout}
     */
    public static void ensure(String bootstrap, int partitions, Duration timeout) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic needs ≥ 1 partition, got " + partitions);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        Admin admin = Admin.create(config);
        try {
            Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs(timeoutMs)).names()
                    .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : CREATED) {
                if (!existing.contains(topic)) {
                    NewTopic t = new NewTopic(topic, partitions, REPLICATION);
                    missing.add(topic.equals(CONFIGS) ? t.configs(Map.of(CLEANUP_POLICY, COMPACT)) : t);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            Set<String> created = new HashSet<>();
            var results = admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(timeoutMs)).values();
            for (var e : results.entrySet()) {
                try {
                    e.getValue().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    // Another process created it between our listing and our request: that is success.
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
            awaitLeaders(admin, created, deadline);
            log.info("Kafka at {}: created topics {} ({} partitions)", bootstrap, created, partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Terrain's topics on Kafka at " + bootstrap, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not answer within " + timeout
                    + " while creating Terrain's topics " + CREATED, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " could not create Terrain's topics " + CREATED
                    + ": " + e.getCause().getMessage(), e.getCause());
        } finally {
            // Nothing is pending on success; on a timeout, abandon the retries instead of waiting them out.
            admin.close(Duration.ZERO);
        }
    }

    /**
     * Waits until every partition of {@code topics} has a leader in the broker's metadata: a producer that
     * writes the moment creation returns otherwise meets NOT_LEADER_OR_FOLLOWER and logs a retry warning.
     */
    private static void awaitLeaders(Admin admin, Set<String> topics, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (!topics.isEmpty()) {
            boolean led;
            try {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                        .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
                led = described.values().stream()
                        .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                // Just created, the topic may not be in the metadata this broker answers from yet.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                led = false;
            }
            if (led) {
                return;
            }
            if (remainingMs(deadline) == 0) {
                throw new TimeoutException("partitions of " + topics + " have no leader yet");
            }
            Thread.sleep(LEADER_POLL_MS);
        }
    }

    private static long remainingMs(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
