package dev.terrain.ops.report;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Line charts that put a paper's figures next to Terrain's (for {@code terrain reproduce}), or a sweep's
 * means with their error bars (for {@code terrain sweep --report}): the same XChart rendering as the run
 * report; the paper's curves are drawn dashed. A logarithmic y axis falls back to a linear one when a
 * value, less its error bar, is not positive.
 */
public final class ComparisonCharts {
    private ComparisonCharts() {}

    /** One curve; {@code dashed} for the paper's values; {@code errors}: half-heights of error bars, or null. */
    public record Curve(String name, double[] x, double[] y, boolean dashed, double[] errors) {
        public Curve(String name, double[] x, double[] y, boolean dashed) {
            this(name, x, y, dashed, null);
        }
    }

    /** A chart: the PNG's base name, titles, whether y is logarithmic, its curves. */
    public record Chart(String name, String title, String xTitle, String yTitle, boolean logY, List<Curve> curves) {
        public Chart {
            if (!name.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("chart name must be lower-case letters, digits and dashes: " + name);
            }
            curves = List.copyOf(curves);
        }
    }

    /**
     * Draws {@code chart} into {@code dir/<name>.png} (atomically) and returns its size, or null when none
     * of its curves has a point to draw.
     */
    public static int[] write(Path dir, Chart chart) {
        List<Charts.Series> series = new ArrayList<>();
        for (Curve c : chart.curves()) {
            Charts.Series s = new Charts.Series(c.name(), c.x(), c.y()).withErrors(c.errors());
            series.add(c.dashed() ? s.withDashes() : s);
        }
        BufferedImage image = Charts.render(new Charts.Spec(chart.title(), chart.xTitle(), chart.yTitle(),
                chart.logY() && Charts.allPositive(series), series));
        if (image == null) {
            return null;
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir, e);
        }
        RunReport.png(dir, chart.name(), image);
        return new int[] {image.getWidth(), image.getHeight()};
    }
}
