package dev.terrain.ops.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.RunFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code terrain bench profile}: where Terrain's training step spends its native time, on the workload of
 * {@code bench compare}. The step runs {@code steps} times under libtorch's own profiler (through DJL's
 * {@code JniUtils.startProfile}); the Chrome trace it writes (open it in Perfetto or chrome://tracing) is
 * reduced to each operator's self time (its time minus that of the operators it called) and calls per
 * step. The profiler adds its own cost to every operator, most to the small ones, so the unprofiled
 * steps/s of the same run is reported beside it: read the shares, not the absolute times.
 */
final class ProfileBench {
    /** Operators listed in the JSON, by self time. */
    static final int TOP = 30;

    private ProfileBench() {}

    /** Profiles the step of {@code baseline} (bench/pytorch-baseline.conf) with the case's sizes. */
    static Map<String, Object> run(java.io.File baseline, CompareBench.Case c, long steps, long warmup, int threads,
            Path trace) throws IOException {
        RunSettings s = CompareBench.settings(baseline, c, threads, 1, true);
        double unprofiled;
        try (NDManager manager = NDManager.newBaseManager(dev.terrain.ops.run.Devices.of(s.device()))) {
            Trainer trainer = RunFactory.build(s, manager);
            for (long i = 0; i < warmup; i++) {
                trainer.train(false);
            }
            trainer.evaluate();
            long t0 = System.nanoTime();
            for (long i = 0; i < steps; i++) {
                trainer.train(false);
            }
            trainer.evaluate();
            unprofiled = steps / ((System.nanoTime() - t0) / 1e9);
            JniUtils.startProfile(s.device().equals("gpu"), true, false); // useCuda, recordShape, profileMemory
            try {
                for (long i = 0; i < steps; i++) {
                    trainer.train(false);
                }
                trainer.evaluate();
            } finally {
                JniUtils.stopProfile(trace.toString());
            }
        }
        List<Map<String, Object>> ops = selfTimes(trace, steps);
        double total = ops.stream().mapToDouble(m -> (Double) m.get("self_us_per_step")).sum();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("case", c.name());
        out.put("threads", threads);
        out.put("steps", steps);
        out.put("unprofiled_steps_per_s", unprofiled);
        out.put("unprofiled_us_per_step", 1e6 / unprofiled);
        out.put("profiled_self_us_per_step", total);
        out.put("trace", trace.toString());
        out.put("operators", ops.size() > TOP ? ops.subList(0, TOP) : ops);
        System.out.printf(Locale.ROOT, "%s: %.1f steps/s unprofiled (%.0f us/step); profiled self time %.0f us/step%n",
                c.name(), unprofiled, 1e6 / unprofiled, total);
        for (Map<String, Object> op : ops.subList(0, Math.min(15, ops.size()))) {
            System.out.printf(Locale.ROOT, "  %-48s %6.1f calls/step %8.1f us/step %5.1f %%%n", op.get("name"),
                    (Double) op.get("calls_per_step"), (Double) op.get("self_us_per_step"), (Double) op.get("share_percent"));
        }
        return out;
    }

    /** A complete event of the trace. */
    private record Event(String name, long tid, double ts, double dur) {}

    /**
     * Self time per operator from a Chrome trace of complete ("X") events: on each thread, an event's
     * self time is its duration minus the durations of the events directly inside it. Sorted by self
     * time; per step (divided by {@code steps}); the evaluation after the steps is one step's worth more.
     */
    static List<Map<String, Object>> selfTimes(Path trace, long steps) throws IOException {
        Map<Long, List<Event>> byThread = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(trace.toFile())) {
            while (p.nextToken() != null) {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    continue;
                }
                String name = null;
                String ph = null;
                long tid = 0;
                double ts = 0;
                double dur = 0;
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                        p.skipChildren();
                        continue;
                    }
                    switch (field) {
                        case "name" -> name = p.getText();
                        case "ph" -> ph = p.getText();
                        case "tid" -> tid = v.isNumeric() ? p.getLongValue() : p.getText().hashCode();
                        case "ts" -> ts = p.getDoubleValue();
                        case "dur" -> dur = p.getDoubleValue();
                        default -> { }
                    }
                }
                if ("X".equals(ph) && name != null) {
                    byThread.computeIfAbsent(tid, k -> new ArrayList<>()).add(new Event(name, tid, ts, dur));
                }
            }
        }
        Map<String, double[]> acc = new HashMap<>(); // name -> {self us, calls}
        for (List<Event> events : byThread.values()) {
            events.sort(Comparator.comparingDouble(Event::ts).thenComparing(Comparator.comparingDouble(Event::dur).reversed()));
            Deque<double[]> open = new ArrayDeque<>(); // {end, index}
            double[] self = new double[events.size()];
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                while (!open.isEmpty() && open.peek()[0] <= e.ts()) {
                    open.pop();
                }
                self[i] = e.dur();
                if (!open.isEmpty()) {
                    self[(int) open.peek()[1]] -= e.dur();
                }
                open.push(new double[] {e.ts() + e.dur(), i});
            }
            for (int i = 0; i < events.size(); i++) {
                double[] a = acc.computeIfAbsent(events.get(i).name(), k -> new double[2]);
                a[0] += self[i];
                a[1]++;
            }
        }
        double total = acc.values().stream().mapToDouble(a -> a[0]).sum();
        List<Map<String, Object>> out = new ArrayList<>();
        acc.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).forEach(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.getKey());
            m.put("calls_per_step", e.getValue()[1] / steps);
            m.put("self_us_per_step", e.getValue()[0] / steps);
            m.put("share_percent", total > 0 ? 100 * e.getValue()[0] / total : 0.0);
            out.add(m);
        });
        return out;
    }
}
