package dev.terrain.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.sweep.ServiceClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sweep on a service group as {@code GET /runs} shows it over time, for {@link GroupBench}: at every poll
 * how many of the sweep's runs are queued and which instance trains one, and the seconds each instance sat
 * idle while some were queued, split into queued on its own partitions (it should have started one) and
 * queued only on other instances' partitions (the key hashing gave those more runs).
 */
record GroupTimeline(List<JsonNode> finalRuns, List<Map<String, Object>> samples, double idleOwnQueued,
        double idleOtherQueued, Map<String, Double> idleByInstance, String stopped) {

    /**
     * Polls {@code client} until every run of {@code ids} (those the service accepted) is final, or the group
     * has trained none of them for {@code stall} while some were queued, or {@code timeout} has passed; the
     * unfinished then stay in {@link #finalRuns()} with their last state and {@link #stopped()} says why
     * (null when all finished).
     *
     * @param owners each partition's instance, as the group had them spread before the sweep
     */
    static GroupTimeline follow(ServiceClient client, List<String> ids, Map<Integer, String> owners, int partitions,
            Instant first, Duration poll, Duration stall, Duration timeout) throws InterruptedException {
        Set<String> wanted = new HashSet<>(ids);
        Set<String> instances = new TreeSet<>(owners.values());
        List<Map<String, Object>> samples = new ArrayList<>();
        Map<String, Double> idle = new LinkedHashMap<>();
        double own = 0;
        double other = 0;
        long previous = System.nanoTime();
        long deadline = previous + timeout.toNanos();
        long lastBusy = previous;
        while (true) {
            List<JsonNode> runs = new ArrayList<>();
            for (JsonNode r : client.list().json().path("runs")) {
                if (wanted.contains(r.path("id").asText())) {
                    runs.add(r);
                }
            }
            long now = System.nanoTime();
            double dt = (now - previous) / 1e9;
            previous = now;
            Map<String, String> running = new LinkedHashMap<>();
            Set<String> queuedOn = new HashSet<>();
            int queued = 0;
            int finished = 0;
            for (JsonNode r : runs) {
                String state = r.path("state").asText();
                if (state.equals("running")) {
                    running.put(r.path("instance").asText(), r.path("id").asText());
                } else if (state.equals("queued")) {
                    queued++;
                    queuedOn.add(owners.getOrDefault(GroupBench.partitionOf(r.path("id").asText(), partitions), "?"));
                } else {
                    finished++;
                }
            }
            for (String i : instances) {
                if (!running.containsKey(i) && queued > 0) {
                    idle.merge(i, dt, Double::sum);
                    if (queuedOn.contains(i)) {
                        own += dt;
                    } else {
                        other += dt;
                    }
                }
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("t_s", Duration.between(first, Instant.now()).toMillis() / 1e3);
            s.put("queued", queued);
            s.put("running", running);
            s.put("finished", finished);
            samples.add(s);
            if (!running.isEmpty() || queued == 0) {
                lastBusy = now;
            }
            if (runs.size() == ids.size() && finished == ids.size()) {
                return new GroupTimeline(runs, samples, own, other, idle, null);
            }
            if (now - lastBusy > stall.toNanos()) {
                return new GroupTimeline(runs, samples, own, other, idle, "stalled: no instance trained for "
                        + stall.toSeconds() + " s while " + queued + " runs were queued");
            }
            if (now > deadline) {
                return new GroupTimeline(runs, samples, own, other, idle, "timed out after " + timeout.toMinutes() + " min");
            }
            Thread.sleep(poll.toMillis());
        }
    }
}
