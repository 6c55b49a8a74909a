package dev.terrain.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.sweep.ServiceClient;
import dev.terrain.ops.sweep.Sweep;
import dev.terrain.ops.sweep.SweepPlan;
import dev.terrain.streams.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code terrain bench group}: throughput of a sweep trained by a service group of 1, 2, 3 ...
 * {@code ./terrain serve} JVMs (issue 11). Per instance count: a fresh in-process broker, run directory
 * and group; the instances are started ({@link GroupInstances}) and, once every one owns partitions, the
 * same sweep (the base file with {@code network.seed = 1..runs}) is submitted to instance 1 and
 * {@code GET /runs} polled until every run is final. Wall time runs from the first submission to the
 * last {@code ended_at}. A fresh broker per count because groups on one broker share the topics
 * terrain.runs and terrain.events: a later group would first read (and skip) the earlier groups' runs.
 *
 * <p>The poll also gives a timeline ({@link GroupTimeline}): seconds an instance sat idle while runs were queued, told apart by
 * whether the queued runs were on its own partitions (it should have taken them) or only on another
 * instance's (the key hashing put more runs on that one; a partition's run goes to its owner only).
 */
final class GroupBench {
    static final String NOTE = "Each instance count on a fresh embedded broker (in the bench's JVM), run directory and "
            + "consumer group. The instances are JVMs on this one machine, one libtorch thread and serve.concurrency 1 each, "
            + "so they share its cores with each other, the bench JVM and whatever else runs (loadavg_before/after). wall_s: "
            + "first submission to the last ended_at; throughput_vs_first: runs/min over the first count's. "
            + "runs_hashed_to_instance: runs whose key (murmur2 of the run id) falls on a partition the instance owned; "
            + "a partition's runs go to its owner only, so an instance can sit idle while another still has runs queued "
            + "(idle_other_queued_s; idle_own_queued_s would be an instance not taking runs it owns).";
    private static final Duration POLL = Duration.ofMillis(500);
    /**
     * Nobody training while runs are queued for this long ends the configuration: its unfinished runs count
     * as failures (a run is seconds to start, and a new instance count should not wait on a stuck group).
     */
    private static final Duration STALL = Duration.ofSeconds(90);
    /** Longest one configuration's sweep may take before its unfinished runs count as failures. */
    private static final Duration SWEEP_TIMEOUT = Duration.ofMinutes(30);

    /** What to measure: the sweep's base file and size, the counts, the group's partitions and timeout. */
    record Settings(Path base, List<Integer> instances, int runs, long steps, int partitions, Duration sessionTimeout,
            Path logs) {}

    private GroupBench() {}

    static List<Map<String, Object>> run(Settings s, String stamp) throws IOException, InterruptedException {
        List<Map<String, Object>> cases = new ArrayList<>();
        for (int n : s.instances()) {
            Map<String, Object> c = measure(s, n, stamp);
            cases.add(c);
            System.out.printf(Locale.ROOT, "%d instance(s): %.1f s, %.2f runs/min, runs per instance %s, failures %s%s%n", n,
                    c.get("wall_s"), c.get("runs_per_min"), c.get("runs_per_instance"), c.get("failures"),
                    c.get("stopped") == null ? "" : "; " + c.get("stopped"));
        }
        double base = (Double) cases.get(0).get("runs_per_min");
        for (Map<String, Object> c : cases) {
            c.put("throughput_vs_first", (Double) c.get("runs_per_min") / base);
        }
        System.out.printf(Locale.ROOT, "%n%-9s %8s %9s %6s  %-18s %s%n", "instances", "wall s", "runs/min", "ratio",
                "runs per instance", "idle while queued (own / other partitions) s");
        for (Map<String, Object> c : cases) {
            System.out.printf(Locale.ROOT, "%-9d %8.1f %9.2f %6.2f  %-18s %.0f / %.0f%n", c.get("instances"), c.get("wall_s"),
                    c.get("runs_per_min"), c.get("throughput_vs_first"), c.get("runs_per_instance"),
                    c.get("idle_own_queued_s"), c.get("idle_other_queued_s"));
        }
        return cases;
    }

    private static Map<String, Object> measure(Settings s, int n, String stamp) throws IOException, InterruptedException {
        String sweepId = "bench-group-" + stamp + "-" + n + "i";
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("network.seed", IntStream.rangeClosed(1, s.runs()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        overrides.put("train.steps", Long.toString(s.steps()));
        SweepPlan plan = SweepPlan.of(sweepId, overrides);
        List<String> bodies = Sweep.validate(s.base(), plan);
        List<String> ids = plan.points().stream().map(SweepPlan.Point::runId).toList();
        Path runDir = Files.createTempDirectory("terrain-bench-group-runs");
        Path logs = s.logs().resolve(stamp).resolve(n + "i");
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("instances", n);
        c.put("runs", s.runs());
        c.put("steps_per_run", s.steps());
        c.put("base", s.base().getFileName().toString());
        c.put("partitions", s.partitions());
        c.put("sweep_id", sweepId);
        c.put("run_dir", runDir.toString());
        c.put("logs", logs.toString());
        c.put("loadavg_before", loadavg());
        System.out.println("== " + n + " instance(s): sweep " + sweepId + ", logs in " + logs);
        try (EmbeddedKafka broker = EmbeddedKafka.start(0, Files.createTempDirectory("terrain-bench-group-kafka"))) {
            long t0 = System.nanoTime();
            try (GroupInstances group = GroupInstances.start(n, broker.bootstrap(), "bench-" + stamp + "-" + n, runDir,
                    s.partitions(), s.sessionTimeout(), logs)) {
                Map<String, List<Integer>> owned = group.awaitSpread(s.partitions());
                c.put("start_s", (System.nanoTime() - t0) / 1e9);
                c.put("partitions_owned", owned);
                ServiceClient client = group.list().get(0).client();
                Instant first = Instant.now();
                List<String> accepted = new ArrayList<>();
                List<String> refused = new ArrayList<>();
                for (int i = 0; i < bodies.size(); i++) {
                    ServiceClient.Reply r = client.submit(bodies.get(i));
                    if (r.status() == 201) {
                        accepted.add(ids.get(i));
                    } else {
                        refused.add(ids.get(i) + ": HTTP " + r.status() + " " + r.error());
                    }
                }
                c.put("submit_s", Duration.between(first, Instant.now()).toMillis() / 1e3);
                GroupTimeline t = GroupTimeline.follow(client, accepted, partitionOwners(owned), s.partitions(), first, POLL, STALL,
                        SWEEP_TIMEOUT);
                results(c, t, first, owned, s.partitions(), refused);
                group.close();
                c.put("exit_codes", group.exitCodes());
            }
        }
        c.put("loadavg_after", loadavg());
        c.put("log_warnings", warnings(logs));
        return c;
    }

    /** Puts the sweep's figures into {@code c}: wall, throughput, per instance, per run, failures. */
    private static void results(Map<String, Object> c, GroupTimeline t, Instant first, Map<String, List<Integer>> owned,
            int partitions, List<String> refused) {
        Instant last = first;
        List<Map<String, Object>> perRun = new ArrayList<>();
        Map<String, Integer> byInstance = new LinkedHashMap<>();
        Map<String, Double> busy = new LinkedHashMap<>();
        Map<String, Integer> hashed = new LinkedHashMap<>();
        owned.keySet().forEach(i -> {
            byInstance.put(i, 0);
            busy.put(i, 0.0);
            hashed.put(i, 0);
        });
        Map<Integer, String> owners = partitionOwners(owned);
        List<String> failures = new ArrayList<>(refused);
        int completed = 0;
        for (JsonNode r : t.finalRuns()) {
            hashed.merge(owners.getOrDefault(partitionOf(r.path("id").asText(), partitions), "?"), 1, Integer::sum);
            if (r.path("state").asText().equals("queued") || r.path("state").asText().equals("running")) {
                failures.add(r.path("id").asText() + ": still " + r.path("state").asText() + " (" + t.stopped() + ")");
                perRun.add(Map.of("id", r.path("id").asText(), "state", r.path("state").asText(),
                        "instance", r.path("instance").asText("-"), "starts", r.path("starts").asInt()));
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            String id = r.path("id").asText();
            int partition = partitionOf(id, partitions);
            m.put("id", id);
            m.put("state", r.path("state").asText());
            m.put("instance", r.path("instance").asText(null));
            m.put("partition", partition);
            m.put("starts", r.path("starts").asInt());
            Instant started = instant(r, "started_at");
            Instant ended = instant(r, "ended_at");
            if (started != null) {
                m.put("queued_s", Duration.between(first, started).toMillis() / 1e3);
            }
            if (started != null && ended != null) {
                double wall = Duration.between(started, ended).toMillis() / 1e3;
                m.put("wall_s", wall);
                busy.merge(r.path("instance").asText(), wall, Double::sum);
            }
            if (ended != null && ended.isAfter(last)) {
                last = ended;
            }
            byInstance.merge(r.path("instance").asText("?"), 1, Integer::sum);
            if (r.path("state").asText().equals("completed")) {
                completed++;
            } else {
                failures.add(id + ": " + r.path("state").asText() + (r.hasNonNull("error") ? " " + r.path("error").asText() : ""));
            }
            perRun.add(m);
        }
        double wall = Duration.between(first, last).toMillis() / 1e3;
        c.put("wall_s", wall);
        c.put("completed", completed);
        c.put("runs_per_min", completed / wall * 60);
        c.put("runs_per_instance", byInstance);
        c.put("runs_hashed_to_instance", hashed);
        c.put("busy_s_per_instance", busy);
        c.put("run_wall_s_mean", perRun.stream().filter(m -> m.containsKey("wall_s"))
                .mapToDouble(m -> (Double) m.get("wall_s")).average().orElse(Double.NaN));
        c.put("idle_own_queued_s", t.idleOwnQueued());
        c.put("idle_other_queued_s", t.idleOtherQueued());
        c.put("idle_while_queued_by_instance", t.idleByInstance());
        c.put("failures", failures);
        c.put("stopped", t.stopped());
        c.put("per_run", perRun);
        c.put("timeline", t.samples());
    }

    /** The partition Kafka's default partitioner gives a record keyed by the run id (murmur2). */
    static int partitionOf(String runId, int partitions) {
        return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static Map<Integer, String> partitionOwners(Map<String, List<Integer>> owned) {
        Map<Integer, String> owners = new LinkedHashMap<>();
        owned.forEach((instance, ps) -> ps.forEach(p -> owners.put(p, instance)));
        return owners;
    }

    private static Instant instant(JsonNode r, String field) {
        String v = r.path(field).asText(null);
        return v == null || v.isEmpty() || v.equals("null") ? null : Instant.parse(v);
    }

    /** The machine: cores, CPU model, memory, OS and Java. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstLine(Path.of("/proc/cpuinfo"), "model name"));
        m.put("memory", firstLine(Path.of("/proc/meminfo"), "MemTotal"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return m;
    }

    private static String firstLine(Path file, String prefix) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix))
                    .map(l -> l.replaceFirst("^[^:]*:\\s*", "")).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The WARN and ERROR lines of each instance's log (the first 20 of each). */
    private static Map<String, List<String>> warnings(Path logs) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (var files = Files.list(logs)) {
            for (Path log : files.sorted().toList()) {
                out.put(log.getFileName().toString(), Files.readAllLines(log).stream()
                        .filter(l -> l.matches("^\\S+ (WARN|ERROR)\\b.*")).limit(20).toList());
            }
        }
        return out;
    }
}
