package dev.terrain.ops.cli;

import dev.terrain.ops.config.UserError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses probe options such as {@code M=100,m=100,l=0.01}: known keys only, typed values, clear errors. */
final class ProbeSpecs {
    private final String option;
    private final Map<String, String> values = new LinkedHashMap<>();

    ProbeSpecs(String option, String spec, Set<String> keys) {
        this.option = option;
        if (spec == null || spec.isBlank()) {
            return;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new UserError(option + ": expected key=value, got '" + part + "'; keys: " + String.join(", ", new java.util.TreeSet<>(keys)));
            }
            String key = part.substring(0, eq).trim();
            if (!keys.contains(key)) {
                throw new UserError(option + ": unknown key '" + key + "'; valid: " + String.join(", ", new java.util.TreeSet<>(keys)));
            }
            values.put(key, part.substring(eq + 1).trim());
        }
    }

    int integer(String key, int fallback) {
        String v = values.get(key);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UserError(option + ": " + key + " must be an integer, got '" + v + "'");
        }
    }

    double number(String key, double fallback) {
        String v = values.get(key);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UserError(option + ": " + key + " must be a number, got '" + v + "'");
        }
    }

    String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    List<String> list(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? List.of() : List.of(v.split("\\+"));
    }
}
