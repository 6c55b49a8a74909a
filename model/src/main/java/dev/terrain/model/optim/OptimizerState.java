package dev.terrain.model.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's state as plain Java data, for checkpoints: its id, the number of updates done and,
 * per parameter name, its named buffers (e.g. Adam's first and second moments) as flat vectors.
 * A method built from several optimizers (ISGD's inner and outer Adam, LSGD's gradient step) stores
 * each part under a prefix with {@link #nest(String)} and reads it back with {@link #component(String, String)}.
 */
public record OptimizerState(String optimizer, long updates, Map<String, Map<String, double[]>> buffers) {
    private static final String COUNT = "#";

    /** Fails naming both when this state was saved by another optimizer than {@code id}. */
    public OptimizerState requireOptimizer(String id) {
        if (!optimizer.equals(id)) {
            throw new IllegalArgumentException("saved optimizer state is for '" + optimizer
                    + "' but the run uses '" + id + "'");
        }
        return this;
    }

    /** This state's buffers under {@code prefix/}, with its update count, to merge into a composite state. */
    public Map<String, Map<String, double[]>> nest(String prefix) {
        Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
        out.put(prefix + "/" + COUNT, Map.of("updates", new double[] {updates}));
        buffers.forEach((name, b) -> out.put(prefix + "/" + name, b));
        return out;
    }

    /** The part stored under {@code prefix/} by {@link #nest}, as the state of optimizer {@code id}. */
    public OptimizerState component(String prefix, String id) {
        Map<String, double[]> count = buffers.get(prefix + "/" + COUNT);
        if (count == null || !count.containsKey("updates")) {
            throw new IllegalArgumentException("saved " + optimizer + " state has no part '" + prefix + "'");
        }
        Map<String, Map<String, double[]>> inner = new LinkedHashMap<>();
        String start = prefix + "/";
        buffers.forEach((name, b) -> {
            if (name.startsWith(start) && !name.equals(start + COUNT)) {
                inner.put(name.substring(start.length()), b);
            }
        });
        return new OptimizerState(id, (long) count.get("updates")[0], inner);
    }

    /** One named scalar or vector stored under {@code key}, e.g. a method's own counters. */
    public double[] vector(String key, String name, int length) {
        Map<String, double[]> b = buffers.get(key);
        double[] v = b == null ? null : b.get(name);
        if (v == null || length >= 0 && v.length != length) {
            throw new IllegalArgumentException("saved " + optimizer + " state has no " + key + "." + name
                    + (length >= 0 ? " of " + length + " values" : ""));
        }
        return v;
    }
}
