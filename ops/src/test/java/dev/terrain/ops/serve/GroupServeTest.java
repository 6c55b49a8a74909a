package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.RunDirs;
import dev.terrain.ops.cli.Main;
import dev.terrain.ops.sweep.Manifest;
import java.io.PrintWriter;
import java.io.StringWriter;
import dev.terrain.ops.worker.ProbeWorker;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * directory: a sweep of twelve runs ({@code terrain sweep}) submitted to one instance is trained by all three,
 * each exactly once, probed by a probe worker on the same cluster, and reported from another instance; one
 * instance is killed with SIGKILL while it trains, and its run resumes from its checkpoint on another
 * instance after the session timeout; malformed records on {@code terrain.runs} are rejected to
 * {@code terrain.events} with their reason and nobody dies of them.
 */
class GroupServeTest {
    private static final Pattern SERVING = Pattern.compile("serving on (http://\\S+)");
    private static final int STEPS = 3000;
    private static final String RUN = ServeTest.RUN.replace("steps = 400", "steps = " + STEPS)
            .replace("probes { roughness { every = 200, directions = 10, intervals = 10 } }",
                    "probes { roughness { every = 1000, directions = 5, intervals = 5 } }");
    @TempDir
    Path runs;
    @TempDir
    Path kafkaData;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Process> processes = new ArrayList<>();
    private EmbeddedKafka broker;
    private ProbeWorker worker;
    @TempDir
    Path work;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (worker != null) {
            worker.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void threeInstancesTrainTwelveRunsExactlyOnceAndAKilledInstancesRunResumesElsewhere() throws Exception {
        broker = EmbeddedKafka.start(0, kafkaData);
        String[] bases = {startInstance("i1"), startInstance("i2"), startInstance("i3")};
        awaitPartitions(bases);
        // A probe worker on the same cluster probes the runs of every instance.
        Set<String> probed = ConcurrentHashMap.newKeySet();
        worker = new ProbeWorker(ProbeWorker.Settings.of(broker.bootstrap(), "workers", "w1", Map.of()),
                p -> {
                    if (!p.records().isEmpty()) {
                        probed.add(p.runId());
                    }
                });

        // Malformed records on the queue: rejected with a reason, nobody dies.
        try (KafkaProducer<String, String> p = producer()) {
            p.send(new ProducerRecord<>(Topics.RUNS, "junk", "this is not json")).get();
            p.send(new ProducerRecord<>(Topics.RUNS, "noconfig", "{\"id\": \"noconfig\", \"group\": \"g\"}")).get();
            // Another group's run on the shared topic: not this group's to train or list.
            p.send(new ProducerRecord<>(Topics.RUNS, "theirs", "{\"id\": \"theirs\", \"group\": \"h\", \"config\": \"\"}")).get();
        }

        // The sweep: 2 widths x 6 seeds, submitted to the first instance.
        Path base = work.resolve("base.conf");
        Files.writeString(base, RUN);
        Path sweeps = work.resolve("sweeps");
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "sweep", base.toString(), "-Dnetwork.width=3,4",
                "-Dnetwork.seed=1,2,3,4,5,6", "--id", "s", "--dir", sweeps.toString(), "--url", bases[0]);
        assertThat(code).as(err.toString()).isZero();
        List<String> ids = Manifest.read(sweeps, "s").points().stream().map(Manifest.Entry::runId).toList();
        assertThat(ids).hasSize(12).contains("s-width3-seed1", "s-width4-seed6");
        assertThat(ServeTest.send(http, bases[1], "POST", "/runs", "application/hocon",
                (RUN + "run.id = " + ids.get(0) + "\n").getBytes(StandardCharsets.UTF_8)).status())
                .as("an id the group knows is refused on any instance").isEqualTo(409);
        // Every instance lists all twelve.
        for (String b : bases) {
            awaitCount(b, 12);
        }

        // Kill i2 while it trains a run that has checkpoints. A run of these tiny networks finishes its steps
        // within a second or two, and i1's listing can lag behind i2's progress, so the victim is a run of i2's
        // with at least two checkpoints that its own metrics file shows far from done; a run too close to its
        // end is passed over for i2's next one.
        Set<String> passedOver = new HashSet<>();
        String victim;
        while (true) {
            String candidate = awaitRunningOn(bases[0], "i2", passedOver);
            awaitCheckpoints(runs.resolve(candidate), 2, processes.get(1));
            if (RunDirs.lastStep(runs.resolve(candidate)) < STEPS - 500) {
                victim = candidate;
                break;
            }
            passedOver.add(candidate);
        }
        processes.get(1).destroyForcibly();
        assertThat(processes.get(1).waitFor(30, TimeUnit.SECONDS)).isTrue();
        long stepAtKill = RunDirs.lastStep(runs.resolve(victim));
        assertThat(stepAtKill).as("the victim was still training when i2 was killed").isLessThan(STEPS);
        // Until the group reassigns i2's partitions (after the session timeout) its run stays i2's.
        JsonNode elsewhere = ServeTest.send(http, bases[0], "GET", "/runs/" + victim, null, null).json();
        assertThat(elsewhere.path("instance").asText()).isEqualTo("i2");
        assertThat(elsewhere.path("step").asLong()).as("i1 shows i2's progress from the shared directory: %s", elsewhere)
                .isGreaterThanOrEqualTo(150);

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
            assertThat(RunDirs.steps(dir)).as(id).isSorted().doesNotHaveDuplicates().endsWith((long) STEPS);
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
        Map<String, String> finalOwner = new HashMap<>();
        for (String id : ids) {
            events.get(id).stream().filter(e -> e.path("state").asText().equals("completed"))
                    .forEach(e -> finalOwner.put(id, e.path("instance").asText()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (probed.stream().map(finalOwner::get).distinct().count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        worker.close();
        assertThat(probed.stream().map(finalOwner::get).distinct().count())
                .as("the probe worker probed runs trained by %s", probed).isGreaterThanOrEqualTo(2);
        assertThat(events.get("junk")).anySatisfy(e -> {
            assertThat(e.path("state").asText()).isEqualTo("rejected");
            assertThat(e.path("reason").asText()).contains("not JSON");
        });
        assertThat(events.get("noconfig")).anySatisfy(e -> assertThat(e.path("reason").asText()).contains("config"));
        assertThat(events).doesNotContainKey("theirs");
        assertThat(ServeTest.send(http, bases[0], "GET", "/runs/theirs", null, null).status()).isEqualTo(404);
        for (String b : new String[] {bases[0], bases[2]}) {
            assertThat(ServeTest.send(http, b, "GET", "/health", null, null).json().path("status").asText()).isEqualTo("ok");
        }
        // The sweep's report from another instance: one row per width, each over its six seeds.
        err = new StringWriter();
        code = Main.execute(new PrintWriter(err, true), "sweep", "--report", "s", "--dir", sweeps.toString(), "--url", bases[2]);
        assertThat(code).as(err.toString()).isZero();
        List<String> rows = Files.readAllLines(sweeps.resolve("s/report.md")).stream()
                .filter(l -> l.matches("\\| [34] \\| .*")).toList();
        assertThat(rows).hasSize(2).allSatisfy(r -> assertThat(r.split(" \\| ")[1]).isEqualTo("6"));
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

    private String awaitRunningOn(String base, String instance, Set<String> except) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (true) {
            for (JsonNode r : ServeTest.send(http, base, "GET", "/runs", null, null).json().path("runs")) {
                if (r.path("state").asText().equals("running") && r.path("instance").asText().equals(instance)
                        && !except.contains(r.path("id").asText())) {
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
}
