package dev.terrain.ops.sweep;

import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.report.ComparisonCharts;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code terrain sweep --report}: each run's summary from the service ({@code GET /runs/{id}/summary}), or
 * from {@code <runs>/<id>/summary.json} when the service does not know the run or cannot be reached;
 * then {@code results.json}, {@code report.md}, {@code report.html} and the plots beside the manifest.
 */
public final class SweepReport {
    /** A plot of the report: its PNG name (null when not drawn), heading and caption (or why it is missing). */
    record Plot(String png, String heading, String caption, int width, int height) {}

    private SweepReport() {}

    /**
     * Gathers every point's outcome. {@code client} may be null (no service); {@code runs} may be null
     * (no run directory to fall back on), but not both when the service is needed and unreachable.
     */
    public static List<SweepResults.Outcome> gather(Manifest m, ServiceClient client, Path runs) {
        List<SweepResults.Outcome> out = new ArrayList<>();
        boolean reachable = client != null;
        for (Manifest.Entry e : m.points()) {
            SweepPlan.Point p = e.point();
            if (!e.submitted()) {
                out.add(SweepResults.Outcome.without(p, "not submitted", "manifest"));
                continue;
            }
            SweepResults.Outcome o = null;
            if (reachable) {
                try {
                    o = fromService(p, client);
                } catch (ServiceClient.Unreachable u) {
                    if (runs == null) {
                        throw new UserError(u.getMessage() + "; or give --runs DIR to read the runs' summary.json there");
                    }
                    reachable = false;
                }
            }
            out.add(o != null ? o : fromDirectory(p, runs));
        }
        return out;
    }

    /** The run's summary, or its state when it has none; null when the service does not know the run. */
    private static SweepResults.Outcome fromService(SweepPlan.Point p, ServiceClient client) {
        ServiceClient.Reply s = client.summary(p.runId());
        if (s.status() == 200) {
            return SweepResults.Outcome.of(p, s.json(), "service");
        }
        ServiceClient.Reply st = client.status(p.runId());
        if (st.status() == 200) {
            return SweepResults.Outcome.without(p, st.json().path("state").asText("unknown"), "service");
        }
        return null;
    }

    private static SweepResults.Outcome fromDirectory(SweepPlan.Point p, Path runs) {
        if (runs != null) {
            Path f = runs.resolve(p.runId()).resolve("summary.json");
            if (Files.isRegularFile(f)) {
                try {
                    return SweepResults.Outcome.of(p, Json.MAPPER.readTree(f.toFile()), f.toString());
                } catch (IOException e) {
                    return SweepResults.Outcome.without(p, "unknown", "unreadable " + f + ": " + e.getMessage());
                }
            }
        }
        return SweepResults.Outcome.without(p, "unknown", runs == null ? "not known to the service"
                : "not known to the service, no " + runs.resolve(p.runId()).resolve("summary.json"));
    }

    /** Writes the report files beside the manifest and returns the Markdown table (for stdout). */
    public static String write(Path dir, Manifest m, List<SweepResults.Outcome> outcomes) {
        Path out = dir.resolve(m.sweepId());
        List<SweepResults.Group> groups = SweepResults.group(m.axes(), outcomes);
        List<Plot> plots = List.of(
                plot(out, m, groups, "rel-l2", "final relative L2 error", SweepResults.Group::relL2),
                plot(out, m, groups, "total-loss", "final total loss", SweepResults.Group::total));
        write(out.resolve("results.json"), json(m, groups, outcomes));
        String table = SweepPages.table(m, groups);
        write(out.resolve("report.md"), SweepPages.markdown(m, groups, outcomes, plots, table));
        write(out.resolve("report.html"), SweepPages.html(m, groups, outcomes, plots));
        return table;
    }

    /** Mean ± std against the first numeric non-seed axis, one series per combination of the other ones. */
    private static Plot plot(Path out, Manifest m, List<SweepResults.Group> groups, String name, String what,
            Function<SweepResults.Group, SweepResults.Stat> stat) {
        String heading = what.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + what.substring(1);
        SweepPlan.Axis x = SweepResults.numericAxis(m.axes());
        if (x == null) {
            return new Plot(null, heading, "Not drawn: the sweep has no numeric axis other than seeds.", 0, 0);
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        boolean positive = true;
        for (SweepResults.Group g : groups) {
            SweepResults.Stat s = stat.apply(g);
            if (s.n() == 0) {
                continue;
            }
            Map<String, String> others = new LinkedHashMap<>(g.key());
            double xv = Double.parseDouble(others.remove(x.key()));
            double err = Double.isFinite(s.std()) ? s.std() : 0;
            positive &= s.mean() - err > 0;
            String label = others.isEmpty() ? what : Sweep.describe(others);
            series.computeIfAbsent(label, k -> new ArrayList<>()).add(new double[] {xv, s.mean(), err});
        }
        List<ComparisonCharts.Curve> curves = new ArrayList<>();
        series.forEach((label, pts) -> {
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            curves.add(new ComparisonCharts.Curve(label, pts.stream().mapToDouble(p -> p[0]).toArray(),
                    pts.stream().mapToDouble(p -> p[1]).toArray(), false, pts.stream().mapToDouble(p -> p[2]).toArray()));
        });
        int[] size = curves.isEmpty() ? null : ComparisonCharts.write(out, new ComparisonCharts.Chart(name,
                "Sweep " + m.sweepId() + ": " + what + " vs " + x.key(), x.key(), what, positive, curves));
        if (size == null) {
            return new Plot(null, heading, "Not drawn: no run has completed with a finite " + what + ".", 0, 0);
        }
        String caption = "Mean over the completed runs of each group (seeds), error bars ± one sample standard "
                + "deviation (none for a single run); " + (positive ? "logarithmic y." : "linear y: a mean less its "
                + "standard deviation is not positive.");
        return new Plot(name + ".png", heading, caption, size[0], size[1]);
    }

    private static Map<String, Object> json(Manifest m, List<SweepResults.Group> groups, List<SweepResults.Outcome> outcomes) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("sweep_id", m.sweepId());
        root.put("generated_at", java.time.Instant.now().toString());
        root.put("base", m.base());
        root.put("url", m.url());
        root.put("fixed", m.fixed());
        root.put("axes", m.axes().stream().map(a -> Map.of("key", a.key(), "values", a.values(), "seed", a.isSeed())).toList());
        List<Object> gs = new ArrayList<>();
        for (SweepResults.Group g : groups) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("key", g.key());
            o.put("n", g.n());
            o.put("rel_l2", stat(g.relL2()));
            o.put("total", stat(g.total()));
            o.put("wall_s", stat(g.wallS()));
            o.put("states", g.states());
            o.put("runs", g.outcomes().stream().map(x -> x.point().runId()).toList());
            gs.add(o);
        }
        root.put("groups", gs);
        List<Object> rs = new ArrayList<>();
        for (SweepResults.Outcome x : outcomes) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("run_id", x.point().runId());
            o.put("values", x.point().values());
            o.put("state", x.state());
            o.put("rel_l2", finite(x.relL2()));
            o.put("total", finite(x.total()));
            o.put("wall_s", finite(x.wallS()));
            o.put("steps", x.steps() < 0 ? null : x.steps());
            o.put("source", x.source());
            rs.add(o);
        }
        root.put("runs", rs);
        return root;
    }

    private static Map<String, Object> stat(SweepResults.Stat s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("n", s.n());
        o.put("mean", finite(s.mean()));
        o.put("std", finite(s.std()));
        return o;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void write(Path file, Object content) {
        try {
            byte[] bytes = content instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                    : Json.MAPPER.writeValueAsBytes(content);
            DurableFiles.writeAtomically(file, bytes);
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
