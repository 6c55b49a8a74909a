package dev.terrain.ops.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.run.Json;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every run of a service group as the events topic tells it (other groups' events on the same topic are
 * skipped): each instance reads all of
 * {@link Topics#EVENTS} from the beginning (no consumer group: every instance sees every event) and keeps,
 * per run, its newest service state, the instance that owns it, its times, how often it started and
 * whether a cancel was asked. A run's own lifecycle events on the same topic (started, checkpointed, ...)
 * and records that are not JSON are skipped.
 */
final class GroupView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupView.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /** One run as the group knows it. */
    static final class Run {
        final String id;
        String state;
        String instance;
        String submittedAt;
        String startedAt;
        String endedAt;
        String error;
        int starts;
        boolean cancelRequested;

        Run(String id) {
            this.id = id;
        }

        boolean finished() {
            return state != null && !state.equals("queued") && !state.equals("running") && !state.equals("released");
        }

        Map<String, Object> brief() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("state", state.equals("released") ? "queued" : state);
            m.put("instance", instance);
            m.put("submitted_at", submittedAt);
            m.put("started_at", startedAt);
            m.put("ended_at", endedAt);
            m.put("starts", starts);
            if (cancelRequested && !finished()) {
                m.put("cancelling", true);
            }
            if (error != null) {
                m.put("error", error);
            }
            return m;
        }
    }

    private final String bootstrap;
    private final String group;
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final Thread thread;
    private final List<java.util.function.Consumer<Run>> cancelListeners = new ArrayList<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** System.nanoTime() at which the view last held every event written before it. */
    private volatile long caughtUpAt = Long.MIN_VALUE;

    GroupView(String bootstrap, String group, String instance) {
        this.bootstrap = bootstrap;
        this.group = group;
        this.thread = new Thread(() -> loop(instance), "terrain-serve-group-view");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code listener} hears of every cancel request (on the view's thread). */
    void onCancel(java.util.function.Consumer<Run> listener) {
        synchronized (runs) {
            cancelListeners.add(listener);
        }
    }

    private void loop(String instance) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, instance + "-view");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
                consumer = c;
                List<TopicPartition> parts = partitions(c);
                if (parts.isEmpty()) {
                    sleep();
                    continue;
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                synchronized (runs) {
                    runs.clear();
                }
                while (running) {
                    long at = System.nanoTime();
                    Map<TopicPartition, Long> ends = c.endOffsets(parts);
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                        apply(r.value());
                    }
                    boolean all = true;
                    for (TopicPartition tp : parts) {
                        all &= c.position(tp) >= ends.get(tp);
                    }
                    if (all) {
                        caughtUpAt = at;
                    }
                    if (c.partitionsFor(Topics.EVENTS).size() != parts.size()) {
                        break; // partitions were added: read them all again
                    }
                }
            } catch (WakeupException woken) {
                // closing
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("the group view cannot read {} at {}: {}; retrying", Topics.EVENTS, bootstrap, e.toString());
                    sleep();
                }
            } finally {
                consumer = null;
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> info = c.partitionsFor(Topics.EVENTS);
        List<TopicPartition> out = new ArrayList<>();
        if (info != null) {
            info.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        return out;
    }

    /** Applies one event; exposed for tests of the state rules. */
    void apply(byte[] value) {
        JsonNode n;
        try {
            n = value == null ? null : Json.MAPPER.readTree(value);
        } catch (IOException e) {
            return;
        }
        if (n == null || !GroupQueue.SOURCE.equals(n.path("source").asText()) || !n.path("run").isTextual()
                || !group.equals(n.path("group").asText())) {
            return;
        }
        String id = n.get("run").asText();
        if (id.equals("?")) {
            return; // a rejected record without a usable key: in the log and on the topic, not a run
        }
        String state = n.path("state").asText();
        String at = n.path("at").asText(null);
        Run cancelled = null;
        synchronized (runs) {
            Run r = runs.computeIfAbsent(id, Run::new);
            switch (state) {
                case "queued" -> {
                    if (r.state == null) {
                        r.state = "queued";
                        r.submittedAt = n.path("submitted_at").asText(at);
                    }
                }
                case "running" -> {
                    if (!r.finished()) {
                        r.state = "running";
                        r.instance = n.path("instance").asText(null);
                        r.startedAt = at;
                        r.starts++;
                    }
                }
                case "released" -> {
                    // A zombie's late release must not undo the new owner's start.
                    if (!r.finished() && java.util.Objects.equals(r.instance, n.path("instance").asText(null))) {
                        r.state = "released";
                    }
                }
                case "cancel_requested" -> {
                    if (r.state != null && !r.finished()) {
                        r.cancelRequested = true;
                        cancelled = r;
                    }
                }
                default -> {
                    // a final state: completed, diverged, failed, cancelled, rejected. The first one stands.
                    if (!r.finished()) {
                        r.state = state;
                        r.endedAt = at;
                        r.error = n.path("error").asText(n.path("reason").asText(null));
                        if (r.instance == null) {
                            r.instance = n.path("instance").asText(null);
                        }
                    }
                }
            }
            if (r.state == null) {
                runs.remove(id); // e.g. a cancel request for a run nobody submitted
            }
        }
        if (cancelled != null) {
            List<java.util.function.Consumer<Run>> ls;
            synchronized (runs) {
                ls = List.copyOf(cancelListeners);
            }
            for (var l : ls) {
                l.accept(cancelled);
            }
        }
    }

    /** Waits until the view holds every event written before this call; false after {@code timeout}. */
    boolean awaitCaughtUp(Duration timeout) {
        long since = System.nanoTime();
        long deadline = since + timeout.toNanos();
        while (caughtUpAt < since) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** A copy of the run's view, if the group knows it. */
    Optional<Map<String, Object>> brief(String id) {
        synchronized (runs) {
            Run r = runs.get(id);
            return r == null ? Optional.empty() : Optional.of(r.brief());
        }
    }

    boolean knows(String id) {
        synchronized (runs) {
            return runs.containsKey(id);
        }
    }

    boolean finished(String id) {
        synchronized (runs) {
            Run r = runs.get(id);
            return r != null && r.finished();
        }
    }

    boolean cancelRequested(String id) {
        synchronized (runs) {
            Run r = runs.get(id);
            return r != null && r.cancelRequested;
        }
    }

    /** Every run, in the order the group first heard of them. */
    List<Map<String, Object>> list() {
        synchronized (runs) {
            return runs.values().stream().map(Run::brief).toList();
        }
    }

    /** Counts of runs per state. */
    Map<String, Integer> counts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        synchronized (runs) {
            runs.values().forEach(r -> m.merge((String) r.brief().get("state"), 1, Integer::sum));
        }
        return m;
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        // The view commits nothing: interrupting it (e.g. out of a metadata wait on an unreachable broker) is safe.
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
