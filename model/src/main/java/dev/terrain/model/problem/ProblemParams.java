package dev.terrain.model.problem;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A problem's parameters: the catalogue's defaults overridden by the run's settings. Unknown names
 * and values of the wrong type are rejected with the parameter's full name.
 */
public final class ProblemParams {
    private final String problemId;
    private final Map<String, Object> values;

    public ProblemParams(String problemId, Map<String, Object> defaults, Map<String, Object> overrides) {
        this.problemId = problemId;
        this.values = new LinkedHashMap<>(defaults);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            Object def = defaults.get(e.getKey());
            if (def == null) {
                throw new IllegalArgumentException("problem '" + problemId + "' has no parameter '" + e.getKey()
                        + "'; valid: " + String.join(", ", new TreeSet<>(defaults.keySet())));
            }
            values.put(e.getKey(), coerce(e.getKey(), def, e.getValue()));
        }
    }

    private Object coerce(String key, Object def, Object v) {
        String where = "problem." + key;
        if (def instanceof Boolean) {
            if (v instanceof Boolean) {
                return v;
            }
            throw new IllegalArgumentException(where + " must be true or false, got '" + v + "'");
        }
        if (def instanceof Integer) {
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                return n.intValue();
            }
            throw new IllegalArgumentException(where + " must be an integer, got '" + v + "'");
        }
        if (def instanceof Double) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException(where + " must be a number, got '" + v + "'");
        }
        if (v instanceof String) {
            return v;
        }
        throw new IllegalArgumentException(where + " must be a string, got '" + v + "'");
    }

    public int integer(String key) {
        return (Integer) get(key);
    }

    public double number(String key) {
        return (Double) get(key);
    }

    public boolean flag(String key) {
        return (Boolean) get(key);
    }

    public String string(String key) {
        return (String) get(key);
    }

    /** Fails with the parameter's name unless {@code ok}. */
    public void require(boolean ok, String key, String expectation) {
        if (!ok) {
            throw new IllegalArgumentException("problem." + key + " " + expectation + ", got " + get(key));
        }
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalStateException("problem '" + problemId + "' reads undeclared parameter '" + key + "'");
        }
        return v;
    }

    public Map<String, Object> values() {
        return Map.copyOf(values);
    }
}
