package dev.terrain.ops.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sweep's runs grouped by every axis except the seeds: per group the completed runs' mean ± sample
 * standard deviation of final rel-L2, final total loss and wall time, and how many runs ended how. Only
 * completed runs are averaged; diverged, failed, interrupted, cancelled and unfinished ones are counted.
 */
public final class SweepResults {
    private SweepResults() {}

    /** What became of one point: its state and, with a summary, its final figures (NaN when absent). */
    public record Outcome(SweepPlan.Point point, String state, double relL2, double total, double wallS, long steps,
            String source) {
        /** From a run's summary.json; {@code source} says where it was read (the service, a run directory). */
        public static Outcome of(SweepPlan.Point p, JsonNode summary, String source) {
            return new Outcome(p, summary.path("status").asText("unknown"), num(summary.get("rel_l2")),
                    num(summary.get("total")), num(summary.get("wall_s")), summary.path("steps").asLong(-1), source);
        }

        /** A run without a summary: queued, running, cancelled before it started, not submitted, unknown. */
        public static Outcome without(SweepPlan.Point p, String state, String source) {
            return new Outcome(p, state, Double.NaN, Double.NaN, Double.NaN, -1, source);
        }

        public boolean averaged() {
            return state.equals("completed");
        }
    }

    /** Mean and sample standard deviation (n − 1) of the finite values; std NaN below two values. */
    public record Stat(int n, double mean, double std) {
        public static Stat of(List<Double> values) {
            double[] v = values.stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).toArray();
            if (v.length == 0) {
                return new Stat(0, Double.NaN, Double.NaN);
            }
            double sum = 0;
            for (double x : v) {
                sum += x;
            }
            double mean = sum / v.length;
            if (v.length < 2) {
                return new Stat(1, mean, Double.NaN);
            }
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            return new Stat(v.length, mean, Math.sqrt(ss / (v.length - 1)));
        }
    }

    /** One row: the non-seed axis values, the completed count, the statistics, the state counts, its runs. */
    public record Group(Map<String, String> key, int n, Stat relL2, Stat total, Stat wallS, Map<String, Long> states,
            List<Outcome> outcomes) {}

    /** The axes a report groups by: every axis but the seeds. */
    public static List<SweepPlan.Axis> groupAxes(List<SweepPlan.Axis> axes) {
        return axes.stream().filter(a -> !a.isSeed()).toList();
    }

    /** Groups {@code outcomes} (in point order) by their non-seed axis values, in order of first appearance. */
    public static List<Group> group(List<SweepPlan.Axis> axes, List<Outcome> outcomes) {
        List<SweepPlan.Axis> by = groupAxes(axes);
        Map<Map<String, String>, List<Outcome>> groups = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            Map<String, String> key = new LinkedHashMap<>();
            for (SweepPlan.Axis a : by) {
                key.put(a.key(), o.point().values().get(a.key()));
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(o);
        }
        List<Group> out = new ArrayList<>();
        for (Map.Entry<Map<String, String>, List<Outcome>> g : groups.entrySet()) {
            List<Outcome> done = g.getValue().stream().filter(Outcome::averaged).toList();
            Map<String, Long> states = new TreeMap<>();
            g.getValue().forEach(o -> states.merge(o.state(), 1L, Long::sum));
            out.add(new Group(g.getKey(), done.size(), Stat.of(done.stream().map(Outcome::relL2).toList()),
                    Stat.of(done.stream().map(Outcome::total).toList()), Stat.of(done.stream().map(Outcome::wallS).toList()),
                    states, g.getValue()));
        }
        return out;
    }

    /** The first non-seed axis whose every value is a number (the x of the plot), or null. */
    public static SweepPlan.Axis numericAxis(List<SweepPlan.Axis> axes) {
        for (SweepPlan.Axis a : groupAxes(axes)) {
            if (a.values().stream().allMatch(SweepResults::isNumber)) {
                return a;
            }
        }
        return null;
    }

    static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A summary number; summary.json writes a non-finite total as the string "NaN" or "Infinity". */
    static double num(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Double.NaN;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        try {
            return Double.parseDouble(n.asText());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
