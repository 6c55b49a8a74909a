package dev.terrain.ops.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.config.RunSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The HTML of a run report: title, summary table, chart sections, the probes' latest figures, events, configuration. */
final class ReportPage {
    /** Event types that say something went wrong; their rows are highlighted. */
    static final Set<String> WARNINGS = Set.of("trainer-failed", "probe-failed", "checkpoint-failed", "child-stopped",
            "diverged", "failed", "interrupted", "stop-requested", "trainer-restarted", "probe-restarted");
    /** Events listed at most (the newest); a run whose probe fails every snapshot would otherwise flood the page. */
    static final int MAX_EVENTS = 200;
    private static final List<String> PROBES = List.of("roughness", "surface", "hessian", "gradients");
    private static final Map<String, String> PROBE_NAMES = Map.of("roughness", "Roughness Index", "surface",
            "2D loss surface", "hessian", "Hessian", "gradients", "gradient statistics");

    private ReportPage() {}

    static String render(RunData data, RunSettings settings, Map<String, List<RunReport.Figure>> sections) {
        Html h = new Html();
        String id = data.runId();
        String status = data.status();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .raw("<title>").text("Terrain run " + id + " — " + status).raw("</title>\n<style>\n").raw(Html.CSS)
                .raw("</style>\n</head>\n<body>\n");
        h.raw("<h1>Run <code>").text(id).raw("</code> <span class=\"status ").text(status).raw("\">").text(status)
                .raw("</span></h1>\n");
        h.raw("<p class=\"meta\">").text("Report written " + Instant.now() + " from " + data.dir() + ".");
        if (data.summary() == null) {
            h.text(" There is no summary.json: the run has not ended, or was killed; the table shows its last logged step.");
        }
        if (data.tornLines() > 0) {
            h.text(" " + data.tornLines() + " unreadable (torn) lines of its JSON-lines files were skipped.");
        }
        h.raw("</p>\n");
        h.raw("<h2>Summary</h2>\n");
        SummaryTable.write(h, data, settings);
        for (Map.Entry<String, List<RunReport.Figure>> section : sections.entrySet()) {
            h.element("h2", section.getKey());
            for (RunReport.Figure f : section.getValue()) {
                figure(h, f);
            }
            if (section.getKey().equals("Loss landscape")) {
                probes(h, data);
            }
        }
        events(h, data);
        h.raw("<h2>Configuration</h2>\n<p class=\"meta\">The resolved settings of the run (config.conf).</p>\n<pre>")
                .text(data.config()).raw("</pre>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void figure(Html h, RunReport.Figure f) {
        h.element("h3", f.heading());
        if (f.png() == null) {
            h.missing(f.caption());
            return;
        }
        h.raw("<figure id=\"chart-").text(f.png()).raw("\"><img src=\"").text(RunReport.IMAGES + "/" + f.png() + ".png")
                .raw("\" width=\"" + f.width() + "\" height=\"" + f.height() + "\" alt=\"").text(f.heading())
                .raw("\">\n<figcaption>").text(f.caption()).raw("</figcaption></figure>\n");
    }

    private static void probes(Html h, RunData data) {
        h.element("h3", "Latest probe figures");
        for (String probe : PROBES) {
            String name = PROBE_NAMES.get(probe);
            List<JsonNode> ok = data.probe(probe);
            List<JsonNode> failed = data.landscape().stream()
                    .filter(n -> probe.equals(n.path("probe").asText()) && n.hasNonNull("error")).toList();
            if (ok.isEmpty() && failed.isEmpty()) {
                h.missing("No " + name + " probe ran.");
                continue;
            }
            h.raw("<table class=\"probe\" id=\"probe-").text(probe).raw("\">\n<caption>").text(name
                    + (ok.isEmpty() ? "" : " at step " + ok.get(ok.size() - 1).path("step").asLong() + ", the latest of "
                    + ok.size() + " runs")).raw("</caption>\n");
            if (!ok.isEmpty()) {
                JsonNode latest = ok.get(ok.size() - 1);
                for (Iterator<Map.Entry<String, JsonNode>> it = latest.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().equals("probe") && !e.getKey().equals("step")) {
                        h.raw("<tr><th>").text(e.getKey()).raw("</th><td class=\"num\">").text(value(e.getValue()))
                                .raw("</td></tr>\n");
                    }
                }
            }
            if (!failed.isEmpty()) {
                JsonNode last = failed.get(failed.size() - 1);
                h.raw("<tr class=\"warn\"><th>failed runs</th><td>").text(failed.size() + "; the latest at step "
                        + last.path("step").asLong() + ": " + last.path("error").asText()).raw("</td></tr>\n");
            }
            h.raw("</table>\n");
        }
    }

    /** A figure as text: numbers formatted, long arrays summarised, grids sized, nested objects flattened. */
    static String value(JsonNode v) {
        if (v == null || v.isNull()) {
            return "not finite";
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        if (v.isNumber()) {
            return Html.number(v.asDouble());
        }
        if (v.isArray()) {
            if (v.size() > 0 && v.get(0).isArray()) {
                return v.size() + " × " + v.get(0).size() + " grid (drawn above)";
            }
            if (v.size() > 8) {
                return v.size() + " values, from " + value(v.get(0)) + " to " + value(v.get(v.size() - 1));
            }
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(value(x)));
            return "[" + String.join(", ", parts) + "]";
        }
        if (v.isObject()) {
            List<String> parts = new ArrayList<>();
            v.fields().forEachRemaining(e -> {
                if (!e.getValue().isArray()) {
                    parts.add(e.getKey() + " " + value(e.getValue()));
                }
            });
            return String.join(", ", parts);
        }
        return v.asText();
    }

    private static void events(Html h, RunData data) {
        h.raw("<h2>Events</h2>\n");
        List<JsonNode> events = data.events();
        if (events.isEmpty()) {
            h.missing("No events were logged (events.jsonl is missing or empty).");
            return;
        }
        long warnings = events.stream().filter(e -> WARNINGS.contains(e.path("type").asText())).count();
        h.raw("<p class=\"meta\">").text(events.size() + " events, " + warnings + " of them warnings (highlighted)"
                + (events.size() > MAX_EVENTS ? "; the newest " + MAX_EVENTS + " are listed" : "") + ".").raw("</p>\n");
        h.raw("<table class=\"events\">\n<tr><th>at</th><th>type</th><th>step</th><th>message</th></tr>\n");
        for (JsonNode e : events.subList(Math.max(0, events.size() - MAX_EVENTS), events.size())) {
            String type = e.path("type").asText();
            h.raw(WARNINGS.contains(type) ? "<tr class=\"warn\">" : "<tr>").raw("<td>").text(e.path("at").asText())
                    .raw("</td><td>").text(type).raw("</td><td class=\"num\">").text(e.path("step").asText())
                    .raw("</td><td>").text(e.path("message").asText()).raw("</td></tr>\n");
        }
        h.raw("</table>\n");
    }
}
