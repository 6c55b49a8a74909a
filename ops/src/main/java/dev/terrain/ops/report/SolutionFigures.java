package dev.terrain.ops.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The solution chart (u and u* on the line) and the pointwise error chart |u − u*| of a {@link SolutionLine}. */
final class SolutionFigures {
    private SolutionFigures() {}

    static List<RunReport.Figure> of(SolutionLine line, Path images, int maxComponents) {
        int outputs = line.u().length;
        int shown = Math.min(outputs, maxComponents);
        String xTitle = line.dim() == 1 ? "x" : "x1";
        double lo = line.x()[0];
        double hi = line.x()[line.x().length - 1];
        String components = outputs == 1 ? ""
                : shown == outputs ? " Each of the " + outputs + " output components is drawn (u_k, u*_k)."
                : " Output components 1 to " + shown + " of " + outputs + " are drawn (u_k, u*_k).";
        List<Charts.Series> solution = new ArrayList<>();
        List<Charts.Series> error = new ArrayList<>();
        long zeros = 0;
        for (int k = 0; k < shown; k++) {
            String suffix = outputs == 1 ? "" : "_" + (k + 1);
            solution.add(new Charts.Series("u" + suffix + " (network)", line.x(), line.u()[k]));
            if (line.exact() != null) {
                solution.add(new Charts.Series("u*" + suffix + " (exact)", line.x(), line.exact()[k]).withDashes());
                double[] e = line.error(k);
                for (double v : e) {
                    zeros += v == 0 ? 1 : 0;
                }
                error.add(new Charts.Series("|u" + suffix + " − u*" + suffix + "|", line.x(), e));
            }
        }
        String on = " on " + line.where() + ", " + line.x().length + " points; parameters: " + line.source() + ".";
        RunReport.Figure u = RunReport.chart(images, "solution", "Solution",
                new Charts.Spec(line.exact() != null ? "Trained network u and exact solution u*" : "Trained network u",
                        xTitle, "u", false, solution).withXRange(lo, hi),
                (line.exact() != null ? "The trained network u (solid) and the exact solution u* (dashed)"
                        : "The trained network u; the problem has no exact solution, so only u is drawn") + on + components,
                "The trained network gives no finite value on " + line.where() + ".");
        if (line.exact() == null) {
            return List.of(u, RunReport.Figure.missing("Pointwise error",
                    "No pointwise error: the problem has no exact solution."));
        }
        RunReport.Figure e = RunReport.chart(images, "error", "Pointwise error",
                new Charts.Spec("Pointwise error |u − u*|", xTitle, "|u − u*|", true, error).withXRange(lo, hi),
                "The pointwise error |u − u*|" + on + " Log scale" + (zeros > 0 ? "; " + zeros
                        + " points where u = u* exactly (e.g. on a hard boundary) cannot be drawn on it" : "")
                        + RunReport.nonFinite(error) + "." + components,
                "The pointwise error is zero or not finite at every point, so there is nothing to draw on a log scale.");
        return List.of(u, e);
    }
}
