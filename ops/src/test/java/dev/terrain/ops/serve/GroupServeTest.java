package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.RunDirs;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code ./terrain serve} JVMs in one group on a real broker (started in this JVM) and one shared run
 * directory: twelve runs submitted to one instance are trained by all three, each exactly once; one
 * instance is killed with SIGKILL while it trains, and its run resumes from its checkpoint on another
 * instance after the session timeout; malformed records on {@code terrain.runs} are rejected to
 * {@code terrain.events} with their reason and nobody dies of them.
 */
class GroupServeTest {
    private static final Pattern SERVING = Pattern.compile("serving on (http://\\S+)");
    private static final int STEPS = 1500;
    private static final String RUN = ServeTest.RUN.replace("steps = 400", "steps = " + STEPS)
            .replace("probes { roughness { every = 200, directions = 10, intervals = 10 } }", "");
    @TempDir
    Path runs;
    @TempDir
    Path kafkaData;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Process> processes = new ArrayList<>();
    private EmbeddedKafka broker;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void threeInstancesTrainTwelveRunsExactlyOnceAndAKilledInstancesRunResumesElsewhere() throws Exception {
        broker = EmbeddedKafka.start(0, kafkaData);
        String[] bases = {startInstance("i1"), startInstance("i2"), startInstance("i3")};
        awaitPartitions(bases);

        // Malformed records on the queue: rejected with a reason, nobody dies.
        try (KafkaProducer<String, String> p = producer()) {
            p.send(new ProducerRecord<>(Topics.RUNS, "junk", "this is not json")).get();
            p.send(new ProducerRecord<>(Topics.RUNS, "noconfig", "{\"id\": \"noconfig\"}")).get();
        }

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(ServeTest.submit(http, bases[0], RUN + "run.id = r" + i + "\n"));
        }
        assertThat(ServeTest.send(http, bases[0], "POST", "/runs", "application/hocon",
                (RUN + "run.id = r0\n").getBytes(StandardCharsets.UTF_8)).status())
                .as("an id the group knows is refused").isEqualTo(409);
        // Every instance lists all twelve.
        for (String base : bases) {
            awaitCount(base, 12);
        }

        // Kill i2 while it trains a run that has checkpoints.
        String victim = awaitRunningOn(bases[0], "i2");
        awaitCheckpoints(runs.resolve(victim), 2, processes.get(1));
        processes.get(1).destroyForcibly();
        assertThat(processes.get(1).waitFor(30, TimeUnit.SECONDS)).isTrue();
        long stepAtKill = lastStep(runs.resolve(victim));

        for (String id : ids) {
            JsonNode s = awaitFinal(bases[0], id);
            assertThat(s.path("state").asText()).as(id).isEqualTo("completed");
        }
        JsonNode view = ServeTest.send(http, bases[2], "GET", "/runs/" + victim, null, null).json();
        assertThat(view.path("starts").asInt()).as("the victim started on i2, then once more").isEqualTo(2);
        assertThat(view.path("instance").asText()).isIn("i1", "i3");

        for (String id : ids) {
            Path dir = runs.resolve(id);
            JsonNode summary = ServeTest.JSON.readTree(dir.resolve("summary.json").toFile());
            assertThat(summary.path("status").asText()).as(id).isEqualTo("completed");
            assertThat(summary.path("steps").asLong()).as(id).isEqualTo(STEPS);
            // Trained by one instance at a time: every logged step once, in order, up to the last.
            assertThat(steps(dir)).as(id).isSorted().doesNotHaveDuplicates().endsWith((long) STEPS);
        }
        JsonNode resumed = ServeTest.JSON.readTree(runs.resolve(victim).resolve("summary.json").toFile());
        assertThat(resumed.path("resumed_from_step").asLong()).as("resumed from i2's checkpoint, not from 0")
                .isGreaterThanOrEqualTo(200).isLessThanOrEqualTo(stepAtKill);

        // The events topic: one final event per run, two rejections with their reasons, who trained what.
        Map<String, List<JsonNode>> events = serviceEvents();
        Map<String, Integer> trainedBy = new HashMap<>();
        for (String id : ids) {
            List<JsonNode> finals = events.get(id).stream().filter(e -> e.path("state").asText().equals("completed")).toList();
            assertThat(finals).as("final events of %s", id).hasSize(1);
            trainedBy.merge(finals.get(0).path("instance").asText(), 1, Integer::sum);
        }
        assertThat(trainedBy.keySet()).as("the group shares the work").hasSizeGreaterThanOrEqualTo(2);
        assertThat(events.get("junk")).anySatisfy(e -> {
            assertThat(e.path("state").asText()).isEqualTo("rejected");
            assertThat(e.path("reason").asText()).contains("not JSON");
        });
        assertThat(events.get("noconfig")).anySatisfy(e -> assertThat(e.path("reason").asText()).contains("config"));
        for (String base : new String[] {bases[0], bases[2]}) {
            assertThat(ServeTest.send(http, base, "GET", "/health", null, null).json().path("status").asText()).isEqualTo("ok");
        }
        assertThat(processes.get(0).isAlive() && processes.get(2).isAlive()).isTrue();
    }

    private String startInstance(String name) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // The instances' logs stay in target/ for a look after a failure.
        Path logs = Files.createDirectories(Path.of("target", "group-serve-logs"));
        Path log = logs.resolve(name + ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "-Xmx512m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main", "serve",
                "--kafka", broker.bootstrap(), "--group", "g", "--instance", name, "-Drun.dir=" + runs, "-Dserve.port=0",
                "-Dprometheus.enabled=false", "-Dserve.partitions=6", "-Dserve.sessionTimeout=6s")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("instance " + name + " did not start; its log: " + Files.readString(log));
    }

    /** Waits until the group's six partitions are spread over the three instances. */
    private void awaitPartitions(String[] bases) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            int total = 0;
            boolean each = true;
            for (String b : bases) {
                int n = ServeTest.send(http, b, "GET", "/health", null, null).json().path("partitions").size();
                total += n;
                each &= n > 0;
            }
            if (each && total == 6) {
                return;
            }
            assertThat(System.nanoTime()).as("partitions spread over the group within 120 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private void awaitCount(String base, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int listed;
        while ((listed = ServeTest.send(http, base, "GET", "/runs", null, null).json().path("runs").size()) < n) {
            assertThat(System.nanoTime()).as("%s lists %d runs (lists %d)", base, n, listed).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private String awaitRunningOn(String base, String instance) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (true) {
            for (JsonNode r : ServeTest.send(http, base, "GET", "/runs", null, null).json().path("runs")) {
                if (r.path("state").asText().equals("running") && r.path("instance").asText().equals(instance)) {
                    return r.path("id").asText();
                }
            }
            assertThat(System.nanoTime()).as("a run trains on %s", instance).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private JsonNode awaitFinal(String base, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (true) {
            JsonNode s = ServeTest.send(http, base, "GET", "/runs/" + id, null, null).json();
            String state = s.path("state").asText();
            if (!state.equals("queued") && !state.equals("running")) {
                return s;
            }
            assertThat(System.nanoTime()).as("run %s finishes (now %s)", id, state).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static void awaitCheckpoints(Path dir, int count, Process service) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (RunDirs.checkpoints(dir) < count) {
            assertThat(System.nanoTime()).as("%d checkpoints in %s within 120 s", count, dir).isLessThan(deadline);
            assertThat(service.isAlive()).as("the instance is alive").isTrue();
            Thread.sleep(20);
        }
    }

    private KafkaProducer<String, String> producer() {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** The service events on terrain.events, per run, in order. */
    private Map<String, List<JsonNode>> serviceEvents() throws IOException {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(Topics.EVENTS).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    JsonNode n;
                    try {
                        n = ServeTest.JSON.readTree(r.value());
                    } catch (IOException notJson) {
                        continue;
                    }
                    if (GroupQueue.SOURCE.equals(n.path("source").asText())) {
                        out.computeIfAbsent(n.path("run").asText(), k -> new ArrayList<>()).add(n);
                    }
                }
            }
        }
        return out;
    }

    private static List<Long> steps(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            try {
                out.add(ServeTest.JSON.readTree(line).path("step").asLong());
            } catch (IOException torn) {
                // a line cut by SIGKILL
            }
        }
        return out;
    }

    private static long lastStep(Path dir) throws IOException {
        List<Long> s = steps(dir);
        return s.isEmpty() ? -1 : s.get(s.size() - 1);
    }
}
