package dev.terrain.ops.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.config.RunSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The summary table of a run report, from {@code summary.json}; without one (a run that has not ended)
 * from the settings and the last line of {@code metrics.jsonl}. Rows have ids ({@code summary-total},
 * {@code summary-term-pde}, ...) and numbers carry their exact value in {@code data-value}.
 */
final class SummaryTable {
    private SummaryTable() {}

    static void write(Html h, RunData data, RunSettings settings) {
        JsonNode s = data.summary();
        JsonNode last = data.metrics().isEmpty() ? null : data.metrics().get(data.metrics().size() - 1);
        JsonNode source = s != null ? s : last;
        h.raw("<table class=\"summary\">\n");
        h.textRow("summary-problem", "problem", text(s, "problem", settings == null ? null : settings.problemId()));
        h.textRow("summary-loss", "loss", text(s, "loss", settings == null ? null : settings.loss()));
        h.textRow("summary-optimizer", "optimizer", text(s, "optimizer", settings == null ? null : settings.optimizer().type()));
        h.textRow("summary-dtype", "dtype", text(s, "dtype", settings == null ? null : settings.train().dtype()));
        if (source == null) {
            h.raw("</table>\n");
            h.missing("No step was logged: the run has no summary.json and no metrics.");
            return;
        }
        h.countRow("summary-steps", "steps", source.path(s != null ? "steps" : "step").asLong());
        if (s != null && s.has("resumed_from_step")) {
            h.countRow("summary-resumed-from", "resumed from step", s.path("resumed_from_step").asLong());
        }
        source.path("terms").fields().forEachRemaining(e -> h.numberRow("summary-term-" + e.getKey(),
                "final loss term " + e.getKey(), RunData.num(e.getValue())));
        if (source.has("total")) {
            h.numberRow("summary-total", "final total loss", RunData.num(source.get("total")));
        }
        if (source.hasNonNull("rel_l2")) {
            h.numberRow("summary-rel-l2", "final relative L2 error", RunData.num(source.get("rel_l2")));
        } else {
            h.textRow("summary-rel-l2", "final relative L2 error", "none (the problem has no exact solution)");
        }
        source.path("weights").fields().forEachRemaining(e -> h.numberRow("summary-weight-" + e.getKey(),
                "final weight λ " + e.getKey(), RunData.num(e.getValue())));
        if (source.has("wall_s")) {
            h.numberRow("summary-wall", "wall time (s)", RunData.num(source.get("wall_s")));
        }
        if (s != null && s.has("steps_per_s")) {
            h.numberRow("summary-steps-per-s", "steps/s", RunData.num(s.get("steps_per_s")));
        }
        if (source.has("evaluations")) {
            h.countRow("summary-evaluations", "loss evaluations", source.path("evaluations").asLong());
        }
        if (s != null) {
            pipeline(h, s.path("pipeline"));
            if (s.hasNonNull("error")) {
                h.raw("<tr id=\"summary-error\" class=\"warn\"><th>error</th><td>").text(s.get("error").asText())
                        .raw("</td></tr>\n");
            }
        }
        h.raw("</table>\n");
    }

    private static void pipeline(Html h, JsonNode p) {
        if (p.isMissingNode()) {
            return;
        }
        h.countRow("summary-snapshots", "snapshots", p.path("snapshots").asLong());
        h.textRow("summary-probe-skipped", "probe snapshots skipped", perProbe(p.path("probe_skipped")));
        h.textRow("summary-probe-failures", "probe failures", perProbe(p.path("probe_failures")));
        h.textRow("summary-probe-restarts", "probe restarts", perProbe(p.path("probe_restarts")));
        h.countRow("summary-trainer-restarts", "trainer restarts", p.path("trainer_restarts").asLong());
    }

    /** "hessian 0, surface 2" from a per-probe object, or "none". */
    private static String perProbe(JsonNode counts) {
        List<String> parts = new ArrayList<>();
        counts.fields().forEachRemaining(e -> parts.add(e.getKey() + " " + e.getValue().asText()));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String text(JsonNode summary, String field, String fallback) {
        if (summary != null && summary.hasNonNull(field)) {
            return summary.get(field).asText();
        }
        return fallback != null ? fallback : "unknown";
    }
}
