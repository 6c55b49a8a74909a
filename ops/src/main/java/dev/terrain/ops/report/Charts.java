package dev.terrain.ops.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Line charts of a run's report (XChart {@link XYChart}, rendered headless). A point whose value is not
 * finite is left out of its series, and on a logarithmic axis so is a value ≤ 0; a series left without
 * points is dropped, and a chart without series is not drawn ({@link #render} returns null).
 */
final class Charts {
    static final int WIDTH = 900;
    static final int HEIGHT = 480;

    /** Dashed, for the reference curve (the total loss, the exact solution). */
    private static final BasicStroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {7f, 5f}, 0f);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /**
     * One curve: its legend name, x and y, on y-axis group 0 (left) or 1 (right), dashed or not, and the
     * half-heights of its error bars (null: none).
     */
    record Series(String name, double[] x, double[] y, int axis, boolean dashed, double[] errors) {
        Series(String name, double[] x, double[] y) {
            this(name, x, y, 0, false, null);
        }

        Series(String name, double[] x, double[] y, int axis, boolean dashed) {
            this(name, x, y, axis, dashed, null);
        }

        Series withDashes() {
            return new Series(name, x, y, axis, true, errors);
        }

        Series onRightAxis() {
            return new Series(name, x, y, 1, dashed, errors);
        }

        Series withErrors(double[] halfHeights) {
            return new Series(name, x, y, axis, dashed, halfHeights);
        }

        /** The error bar of point i; 0 without bars or where the bar is not finite. */
        double error(int i) {
            return errors == null || !Double.isFinite(errors[i]) ? 0 : errors[i];
        }
    }

    /** A chart to draw: titles, the curves, whether y is logarithmic, and the x range (null: the data's). */
    record Spec(String title, String xTitle, String yTitle, String rightYTitle, boolean logY, List<Series> series,
            double[] xRange) {
        Spec(String title, String xTitle, String yTitle, String rightYTitle, boolean logY, List<Series> series) {
            this(title, xTitle, yTitle, rightYTitle, logY, series, null);
        }

        Spec(String title, String xTitle, String yTitle, boolean logY, List<Series> series) {
            this(title, xTitle, yTitle, null, logY, series, null);
        }

        /** The same chart with x over {@code lo} to {@code hi} (and a little margin), whichever points are drawn. */
        Spec withXRange(double lo, double hi) {
            return new Spec(title, xTitle, yTitle, rightYTitle, logY, series, new double[] {lo, hi});
        }
    }

    /** True when every finite value of the series, less its error bar, is > 0, so a logarithmic axis shows them all. */
    static boolean allPositive(List<Series> series) {
        for (Series s : series) {
            for (int i = 0; i < s.y().length; i++) {
                double v = s.y()[i];
                if (Double.isFinite(v) && v - s.error(i) <= 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The points of {@code s} a chart with this axis can show: finite, and > 0 on a log axis. */
    static Series drawable(Series s, boolean logY) {
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < s.x().length; i++) {
            double x = s.x()[i];
            double y = s.y()[i];
            if (Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0)) {
                kept.add(new double[] {x, y, s.error(i)});
            }
        }
        double[] x = new double[kept.size()];
        double[] y = new double[kept.size()];
        double[] e = new double[kept.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = kept.get(i)[0];
            y[i] = kept.get(i)[1];
            e[i] = kept.get(i)[2];
        }
        return new Series(s.name(), x, y, s.axis(), s.dashed(), s.errors() == null ? null : e);
    }

    /** The chart as an image, or null when none of its series has a point to draw. */
    static BufferedImage render(Spec spec) {
        XYChart chart = new XYChart(WIDTH, HEIGHT, Styler.ChartTheme.XChart);
        chart.setTitle(spec.title());
        chart.setXAxisTitle(spec.xTitle());
        chart.setYAxisTitle(spec.yTitle());
        style(chart, spec.logY());
        if (spec.xRange() != null) {
            // XChart puts the ticks on the data when the x values (with the axis ends) are equally spaced, which
            // labels a 400-point line at odd values; ends 2 % beyond the data break the spacing and give round ticks.
            double pad = 0.02 * (spec.xRange()[1] - spec.xRange()[0]);
            chart.getStyler().setXAxisMin(spec.xRange()[0] - pad);
            chart.getStyler().setXAxisMax(spec.xRange()[1] + pad);
        }
        boolean right = false;
        int drawn = 0;
        for (Series raw : spec.series()) {
            Series s = drawable(raw, spec.logY());
            if (s.x().length == 0) {
                continue;
            }
            XYSeries xy = s.errors() == null ? chart.addSeries(s.name(), s.x(), s.y())
                    : chart.addSeries(s.name(), s.x(), s.y(), s.errors());
            xy.setMarker(s.x().length <= 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            xy.setYAxisGroup(s.axis());
            if (s.dashed()) {
                xy.setLineStyle(DASHED);
            }
            right |= s.axis() == 1;
            drawn++;
        }
        if (drawn == 0) {
            return null;
        }
        if (right) {
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.setYAxisGroupTitle(0, spec.yTitle());
            chart.setYAxisGroupTitle(1, spec.rightYTitle());
        }
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** A tick label: an integer as it is, anything else with four significant digits. */
    static String tick(Double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString(v.longValue());
        }
        return ContourPlot.fmt(v);
    }

    private static void style(XYChart chart, boolean logY) {
        var st = chart.getStyler();
        st.setYAxisLogarithmic(logY);
        st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(0xdd, 0xdd, 0xdd));
        st.setLegendVisible(true);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(5);
        st.setErrorBarsColorSeriesColor(true);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setxAxisTickLabelsFormattingFunction(Charts::tick);
        if (!logY) {
            st.setyAxisTickLabelsFormattingFunction(Charts::tick);
        }
    }
}
