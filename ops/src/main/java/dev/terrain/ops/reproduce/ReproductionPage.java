package dev.terrain.ops.reproduce;

import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.report.ComparisonCharts;
import dev.terrain.ops.report.Html;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code <out>/<experiment>/report.html}: the experiment's comparison table (the paper's figure next to
 * Terrain's, the verdict, the settings) and its charts, the paper's values dashed beside Terrain's. Self
 * contained: inline style, PNGs beside it, nothing fetched.
 */
final class ReproductionPage {
    private ReproductionPage() {}

    static Path write(Path dir, Experiment e, Experiment.Outcome o, boolean quick, double wallSeconds) {
        Html h = new Html();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").text("Terrain reproduces " + e.id())
                .raw("</title>\n<style>").raw(Html.CSS)
                .raw(".matches { color: #15803d; } .close { color: #b45309; } .differs { color: #b91c1c; }\n</style></head><body>\n");
        h.element("h1", "Paper " + e.paper() + ": " + e.title());
        h.raw("<p class=\"meta\">").text(String.format(Locale.ROOT, "%s run of %s, %.1f min wall. Written by ./terrain reproduce %s%s.",
                quick ? "Quick (reduced)" : "Full", e.id(), wallSeconds / 60, e.id(), quick ? " --quick" : "")).raw("</p>\n");
        h.raw("<table><caption>Paper vs Terrain</caption>\n<tr><th>result</th><th>paper</th><th>Terrain</th><th>verdict</th>"
                + "<th>direction checked</th><th>settings</th></tr>\n");
        for (Row r : o.rows()) {
            h.raw("<tr><td>").text(r.result()).raw("</td><td class=\"num\">").text(r.paperValue())
                    .raw("</td><td class=\"num\">").text(r.terrainValue()).raw("</td><td class=\"").text(r.verdict().word())
                    .raw("\">").text(r.verdict().word()).raw(r.why().isBlank() ? "" : "<br><small>").text(r.why())
                    .raw(r.why().isBlank() ? "" : "</small>").raw("</td><td>")
                    .text(r.check() == null ? "" : r.check() + (r.checkHolds() ? ": holds" : ": FAILS"))
                    .raw("</td><td><small>").text(r.settings()).raw("</small></td></tr>\n");
        }
        h.raw("</table>\n");
        for (String note : o.notes()) {
            h.element("p", note);
        }
        for (ComparisonCharts.Chart c : o.charts()) {
            int[] size = ComparisonCharts.write(dir, c);
            h.element("h2", c.title());
            if (size == null) {
                h.missing("Nothing to draw: no finite values.");
            } else {
                h.raw("<figure><img src=\"").text(c.name() + ".png").raw("\" alt=\"").text(c.title())
                        .raw("\" width=\"" + size[0] + "\" height=\"" + size[1] + "\"><figcaption>")
                        .text("Solid: Terrain. Dashed: the paper's printed values.").raw("</figcaption></figure>\n");
            }
        }
        for (Experiment.Picture pic : o.pictures()) {
            h.element("h2", pic.title());
            try {
                java.nio.file.Files.createDirectories(dir);
                pic.drawing().write(dir.resolve(pic.name() + ".png"));
                h.raw("<figure><img src=\"").text(pic.name() + ".png").raw("\" alt=\"").text(pic.title())
                        .raw("\"><figcaption>").text(pic.caption()).raw("</figcaption></figure>\n");
            } catch (IOException | RuntimeException ex) {
                h.missing("This picture could not be drawn: " + ex.getMessage());
            }
        }
        h.raw("</body></html>\n");
        Path file = dir.resolve("report.html");
        try {
            java.nio.file.Files.createDirectories(dir);
            DurableFiles.writeAtomically(file, h.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write " + file, ex);
        }
        return file;
    }
}
