package dev.terrain.ops.sweep;

import dev.terrain.ops.report.Html;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The text of a sweep report: the group table as Markdown (also printed), and the Markdown and HTML pages. */
final class SweepPages {
    private SweepPages() {}

    /** The columns after the axis values. */
    private static final List<String> STAT_COLUMNS = List.of("n", "rel-L2 (mean ± std)", "total loss (mean ± std)",
            "wall s (mean ± std)", "runs");

    /** The group table as Markdown: one row per combination of the non-seed axes. */
    static String table(Manifest m, List<SweepResults.Group> groups) {
        List<String> head = new ArrayList<>(columns(m));
        head.addAll(STAT_COLUMNS);
        StringBuilder b = new StringBuilder();
        b.append(row(head)).append(row(head.stream().map(h -> "---").toList()));
        for (List<String> cells : rows(m, groups)) {
            b.append(row(cells));
        }
        return b.toString();
    }

    private static List<String> columns(Manifest m) {
        List<SweepPlan.Axis> by = SweepResults.groupAxes(m.axes());
        return by.isEmpty() ? List.of("group") : by.stream().map(SweepPlan.Axis::key).toList();
    }

    private static List<List<String>> rows(Manifest m, List<SweepResults.Group> groups) {
        List<List<String>> out = new ArrayList<>();
        for (SweepResults.Group g : groups) {
            List<String> cells = new ArrayList<>(g.key().isEmpty() ? List.of("all") : g.key().values());
            cells.add(Integer.toString(g.n()));
            cells.add(stat(g.relL2()));
            cells.add(stat(g.total()));
            cells.add(stat(g.wallS()));
            cells.add(states(g.states()));
            out.add(cells);
        }
        return out;
    }

    static String stat(SweepResults.Stat s) {
        if (s.n() == 0) {
            return "–";
        }
        return Html.number(s.mean()) + " ± " + (s.n() < 2 ? "–" : Html.number(s.std()));
    }

    static String states(Map<String, Long> states) {
        return states.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String row(List<String> cells) {
        return "| " + cells.stream().map(c -> c.replace("|", "\\|")).collect(Collectors.joining(" | ")) + " |\n";
    }

    private static List<SweepResults.Outcome> notAveraged(List<SweepResults.Outcome> outcomes) {
        return outcomes.stream().filter(o -> !o.averaged()).toList();
    }

    static String markdown(Manifest m, List<SweepResults.Group> groups, List<SweepResults.Outcome> outcomes,
            List<SweepReport.Plot> plots, String table) {
        StringBuilder b = new StringBuilder();
        b.append("# Sweep ").append(m.sweepId()).append("\n\n");
        b.append(intro(m)).append("\n\n");
        b.append(table).append('\n');
        List<SweepResults.Outcome> left = notAveraged(outcomes);
        if (!left.isEmpty()) {
            b.append("Not averaged (not completed):\n\n");
            left.forEach(o -> b.append("- ").append(o.point().runId()).append(": ").append(o.state()).append('\n'));
            b.append('\n');
        }
        for (SweepReport.Plot p : plots) {
            b.append("## ").append(p.heading()).append("\n\n");
            if (p.png() != null) {
                b.append("![").append(p.heading()).append("](").append(p.png()).append(")\n\n");
            }
            b.append(p.caption()).append("\n\n");
        }
        b.append("## Runs\n\n");
        b.append(row(List.of("run", "values", "state", "rel-L2", "total loss", "wall s", "steps")));
        b.append(row(List.of("---", "---", "---", "---", "---", "---", "---")));
        for (SweepResults.Outcome o : outcomes) {
            b.append(row(runCells(o)));
        }
        return b.toString();
    }

    private static List<String> runCells(SweepResults.Outcome o) {
        return List.of(o.point().runId(), Sweep.describe(o.point().values()), o.state(), num(o.relL2()), num(o.total()),
                num(o.wallS()), o.steps() < 0 ? "–" : Long.toString(o.steps()));
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : Html.number(v);
    }

    private static String intro(Manifest m) {
        String axes = m.axes().stream().map(a -> a.key() + " ∈ {" + String.join(", ", a.values()) + "}"
                + (a.isSeed() ? " (seed: averaged over)" : "")).collect(Collectors.joining("; "));
        return "Base " + m.base() + (m.fixed().isEmpty() ? "" : " with " + Sweep.describe(m.fixed())) + "; axes: "
                + (axes.isEmpty() ? "none" : axes) + "; " + m.points().size() + " runs on " + m.url()
                + ". Means and sample standard deviations are over the completed runs of each group.";
    }

    static String html(Manifest m, List<SweepResults.Group> groups, List<SweepResults.Outcome> outcomes,
            List<SweepReport.Plot> plots) {
        Html h = new Html();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .raw("<title>").text("Terrain sweep " + m.sweepId()).raw("</title>\n<style>\n").raw(Html.CSS)
                .raw("</style>\n</head>\n<body>\n");
        h.raw("<h1>Sweep <code>").text(m.sweepId()).raw("</code></h1>\n");
        h.raw("<p class=\"meta\">").text(intro(m) + " Written " + java.time.Instant.now() + ".").raw("</p>\n");
        List<String> head = new ArrayList<>(columns(m));
        head.addAll(STAT_COLUMNS);
        table(h, "groups", head, rows(m, groups));
        List<SweepResults.Outcome> left = notAveraged(outcomes);
        if (!left.isEmpty()) {
            h.raw("<p class=\"missing\">").text("Not averaged (not completed): " + left.stream()
                    .map(o -> o.point().runId() + " (" + o.state() + ")").collect(Collectors.joining(", "))).raw("</p>\n");
        }
        for (SweepReport.Plot p : plots) {
            h.element("h2", p.heading());
            if (p.png() == null) {
                h.missing(p.caption());
                continue;
            }
            h.raw("<figure><img src=\"").text(p.png()).raw("\" width=\"" + p.width() + "\" height=\"" + p.height()
                    + "\" alt=\"").text(p.heading()).raw("\">\n<figcaption>").text(p.caption()).raw("</figcaption></figure>\n");
        }
        h.element("h2", "Runs");
        table(h, "runs", List.of("run", "values", "state", "rel-L2", "total loss", "wall s", "steps"),
                outcomes.stream().map(SweepPages::runCells).toList());
        return h.raw("</body>\n</html>\n").toString();
    }

    private static void table(Html h, String id, List<String> head, List<List<String>> rows) {
        h.raw("<table id=\"").text(id).raw("\">\n<tr>");
        head.forEach(c -> h.raw("<th>").text(c).raw("</th>"));
        h.raw("</tr>\n");
        for (List<String> r : rows) {
            h.raw("<tr>");
            r.forEach(c -> h.raw("<td>").text(c).raw("</td>"));
            h.raw("</tr>\n");
        }
        h.raw("</table>\n");
    }
}
