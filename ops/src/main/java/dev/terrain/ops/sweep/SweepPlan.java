package dev.terrain.ops.sweep;

import dev.terrain.ops.config.UserError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The points of a sweep: {@code -Dkey=v1,v2,...} overrides, each split on its top-level commas (not those
 * inside {@code [...]}, {@code {...}} or quotes), give the axes; a key with one value is a plain override
 * for every point. The points are the cartesian product of the axes, the first axis varying slowest.
 */
public record SweepPlan(String sweepId, Map<String, String> fixed, List<Axis> axes, List<Point> points) {
    /** Run ids longer than this fall back to {@code <sweep-id>-<index>}. */
    static final int MAX_READABLE_ID = 120;

    /** One swept setting and its values in the order given. */
    public record Axis(String key, List<String> values) {
        public Axis {
            values = List.copyOf(values);
        }

        /** {@code seed} or any key ending in {@code .seed}: averaged over in the report, not grouped by. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isSeed() {
            return key.equals("seed") || key.endsWith(".seed");
        }
    }

    /** One run of the sweep: its index, its id and the axis values it takes (key → value). */
    public record Point(int index, String runId, Map<String, String> values) {
        public Point {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }
    }

    public SweepPlan {
        fixed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fixed));
        axes = List.copyOf(axes);
        points = List.copyOf(points);
    }

    /** Splits every override and expands the axes; {@code run.id} is the sweep's to set. */
    public static SweepPlan of(String sweepId, Map<String, String> overrides) {
        checkId(sweepId, "sweep id");
        Map<String, String> fixed = new LinkedHashMap<>();
        List<Axis> axes = new ArrayList<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (e.getKey().equals("run.id")) {
                throw new UserError("-Drun.id cannot be set in a sweep: its runs are named <sweep-id>-...; use --id NAME");
            }
            List<String> values = split(e.getKey(), e.getValue());
            if (values.size() == 1) {
                fixed.put(e.getKey(), values.get(0));
            } else {
                axes.add(new Axis(e.getKey(), values));
            }
        }
        return new SweepPlan(sweepId, fixed, axes, expand(sweepId, axes));
    }

    /** Every point's overrides: the fixed ones, then its axis values. */
    public Map<String, String> overrides(Point p) {
        Map<String, String> all = new LinkedHashMap<>(fixed);
        all.putAll(p.values());
        return all;
    }

    /**
     * Splits {@code value} at the commas outside brackets, braces and quotes; every part, trimmed, must be
     * non-empty ({@code -Dkey=2,,3} is an error naming the key).
     */
    static List<String> split(String key, String value) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quote != 0) {
                if (c == '\\' && i + 1 < value.length()) {
                    cur.append(c).append(value.charAt(++i));
                    continue;
                }
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(nonEmpty(key, value, cur.toString()));
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (quote != 0 || depth != 0) {
            throw new UserError("-D" + key + "=" + value + ": unbalanced " + (quote != 0 ? "quote " + quote : "brackets"));
        }
        parts.add(nonEmpty(key, value, cur.toString()));
        return parts;
    }

    private static String nonEmpty(String key, String value, String part) {
        String v = part.trim();
        if (v.isEmpty()) {
            throw new UserError("-D" + key + "=" + value + " has an empty value; give values as -D" + key + "=v1,v2,...");
        }
        return v;
    }

    /** The cartesian product, first axis slowest; readable ids unless two would collide or one is too long. */
    static List<Point> expand(String sweepId, List<Axis> axes) {
        int count = 1;
        for (Axis a : axes) {
            count = Math.multiplyExact(count, a.values().size());
        }
        List<Map<String, String>> combos = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> values = new LinkedHashMap<>();
            int rest = i;
            int stride = count;
            for (Axis a : axes) {
                stride /= a.values().size();
                values.put(a.key(), a.values().get(rest / stride));
                rest %= stride;
            }
            combos.add(values);
        }
        List<String> ids = readableIds(sweepId, axes, combos);
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            points.add(new Point(i, ids == null ? sweepId + "-" + i : ids.get(i), combos.get(i)));
        }
        return points;
    }

    /** {@code <sweep-id>-width3-seed2}, or null when these ids would not be unique, valid and short. */
    private static List<String> readableIds(String sweepId, List<Axis> axes, List<Map<String, String>> combos) {
        if (axes.isEmpty()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Set<String> shortNames = new HashSet<>();
        boolean ambiguous = false;
        for (Axis a : axes) {
            ambiguous |= !shortNames.add(lastSegment(a.key()));
        }
        for (Axis a : axes) {
            labels.put(a.key(), ambiguous ? a.key() : lastSegment(a.key()));
        }
        List<String> ids = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Map<String, String> values : combos) {
            StringBuilder id = new StringBuilder(sweepId);
            for (Map.Entry<String, String> v : values.entrySet()) {
                id.append('-').append(labels.get(v.getKey())).append(sanitize(v.getValue()));
            }
            String s = id.toString();
            if (s.length() > MAX_READABLE_ID || !seen.add(s)) {
                return null;
            }
            ids.add(s);
        }
        return ids;
    }

    private static String lastSegment(String key) {
        String k = key.replace("\"", "");
        return k.substring(k.lastIndexOf('.') + 1).replaceAll("[^A-Za-z0-9._-]", "");
    }

    /** A value as an id part: runs of other characters than letters, digits, '.', '-' become one '_'. */
    private static String sanitize(String value) {
        return value.replaceAll("[^A-Za-z0-9.-]+", "_").replaceAll("^_+|_+$", "");
    }

    /** Ids name directories and URL segments: letters, digits, '.', '_', '-', not starting with '.'. */
    public static void checkId(String id, String what) {
        if (id == null || !id.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*")) {
            throw new UserError(what + " '" + id + "' may contain only letters, digits, '.', '_' and '-' and must not "
                    + "start with '.'");
        }
    }
}
