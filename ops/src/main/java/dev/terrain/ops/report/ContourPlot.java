package dev.terrain.ops.report;

import dev.terrain.model.probe.LossSurface;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapSeries;
import org.knowm.xchart.internal.chartpart.Annotation;
import org.knowm.xchart.style.Styler;

/**
 * A PNG of a {@link LossSurface.Result} drawn as paper 000 draws Fig. 3: a contour plot whose eight
 * isolines sit at equal gaps between the minimal and maximal loss on the grid, i.e. at
 * min + k (max - min)/9, k = 1..8 ({@link #levels}). It is drawn as a banded heat map (XChart
 * {@link HeatMapChart}, piecewise colouring): each grid cell takes the colour of the band between two
 * adjacent levels it falls in, so the band edges are the isolines; the vertical colour bar lists the
 * nine bands. The axes are the coefficients alpha, beta of the two filter-normalised directions d1, d2;
 * theta itself, at (0, 0), is marked with a ring. Non-finite cells are not painted and show the neutral
 * grey plot background. Rendering is headless.
 */
public final class ContourPlot {
    /** Isolines between min and max, as in paper 000 Fig. 3. */
    public static final int ISOLINES = 8;

    public static final int DEFAULT_WIDTH = 800;
    public static final int DEFAULT_HEIGHT = 680;

    /** Colour of non-finite cells (the plot background shows through them). */
    public static final Color NON_FINITE = new Color(0x9e, 0x9e, 0x9e);

    /** Nine viridis samples, one per band, from low loss (dark blue) to high loss (yellow). */
    static final Color[] BANDS = {
        new Color(0x44, 0x01, 0x54), new Color(0x47, 0x2c, 0x7a), new Color(0x3b, 0x51, 0x8b),
        new Color(0x2c, 0x71, 0x8e), new Color(0x21, 0x90, 0x8d), new Color(0x27, 0xad, 0x81),
        new Color(0x5c, 0xc8, 0x63), new Color(0xaa, 0xdc, 0x32), new Color(0xfd, 0xe7, 0x25),
    };

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ContourPlot() {}

    /** The {@value #ISOLINES} isoline values min + k (max - min)/9, k = 1..8. */
    public static double[] levels(double min, double max) {
        double[] l = new double[ISOLINES];
        for (int k = 1; k <= ISOLINES; k++) {
            l[k - 1] = min + k * (max - min) / (ISOLINES + 1);
        }
        return l;
    }

    /** Writes the plot at the default size with a default title. */
    public static void writePng(LossSurface.Result r, Path file) throws IOException {
        writePng(r, file, DEFAULT_WIDTH, DEFAULT_HEIGHT, null);
    }

    /** Writes the plot as a {@code width} x {@code height} PNG; {@code title} null gives a default one. */
    public static void writePng(LossSurface.Result r, Path file, int width, int height, String title) throws IOException {
        writePng(Grid.of(r), file, width, height, title != null ? title : defaultTitle(r));
    }

    /** Writes the plot of {@code grid} as a {@code width} x {@code height} PNG with {@code title}. */
    public static void writePng(Grid grid, Path file, int width, int height, String title) throws IOException {
        BufferedImage image = renderWithArea(grid, width, height, title).image();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available for " + file);
            }
        }
    }

    /** The plot as an image. */
    public static BufferedImage render(LossSurface.Result r, int width, int height, String title) {
        return renderWithArea(r, width, height, title).image();
    }

    /** The plot of {@code grid} as an image. */
    public static BufferedImage render(Grid grid, int width, int height, String title) {
        return renderWithArea(grid, width, height, title).image();
    }

    /**
     * What the plot draws: loss[i][j] = J(θ + a[i] d1 + b[j] d2) (non-finite cells unpainted) and the
     * smallest and largest finite loss, which set the bands. A {@link LossSurface.Result} is one; a
     * surface record of {@code landscape.jsonl} is another.
     */
    public record Grid(double[] a, double[] b, double[][] loss, double min, double max) {
        public Grid {
            if (a.length < 1 || b.length < 1 || loss.length != a.length) {
                throw new IllegalArgumentException("loss grid has " + loss.length + " rows for " + a.length + " values of α");
            }
            for (double[] row : loss) {
                if (row.length != b.length) {
                    throw new IllegalArgumentException("loss grid row has " + row.length + " values for " + b.length + " values of β");
                }
            }
        }

        public static Grid of(LossSurface.Result r) {
            return new Grid(r.a(), r.b(), r.loss(), r.min(), r.max());
        }
    }

    /** An image and the pixel rectangle of its plot area (the grid), for tests. */
    record Rendered(BufferedImage image, Rectangle2D plot) {}

    static Rendered renderWithArea(LossSurface.Result r, int width, int height, String title) {
        return renderWithArea(Grid.of(r), width, height, title != null ? title : defaultTitle(r));
    }

    private static Rendered renderWithArea(Grid r, int width, int height, String title) {
        if (width < 200 || height < 200) {
            throw new IllegalArgumentException("contour plot needs at least 200 x 200 pixels, got " + width + " x " + height);
        }
        ThetaMarker marker = new ThetaMarker();
        BufferedImage image = BitmapEncoder.getBufferedImage(chart(r, width, height, title, marker));
        return new Rendered(image, marker.plot);
    }

    /** The XChart chart of the surface (for callers that want another format). */
    public static HeatMapChart chart(LossSurface.Result r, int width, int height, String title) {
        return chart(Grid.of(r), width, height, title != null ? title : defaultTitle(r), new ThetaMarker());
    }

    /** The default title: J(θ), grid size, span, seed, bias and the count of non-finite cells. */
    static String defaultTitle(LossSurface.Result r) {
        LossSurface.Settings s = r.settings();
        return String.format(Locale.ROOT,
                "J(θ + α d1 + β d2): J(θ) = %s, %d x %d, span %s, seed %d, bias %s%s", fmt(r.lossAtTheta()),
                s.n1(), s.n2(), fmt(s.span()), s.seed(), s.biasMode().name().toLowerCase(Locale.ROOT),
                r.nonFiniteCount() > 0 ? ", " + r.nonFiniteCount() + " non-finite (grey)" : "");
    }

    private static HeatMapChart chart(Grid r, int width, int height, String title, ThetaMarker marker) {
        double lo = r.min();
        double hi = r.max();
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            lo = 0; // no finite cell: nothing is painted, the scale is arbitrary
            hi = 1;
        } else if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 1e-9;
            hi = lo + pad; // a flat surface: one band
        }
        HeatMapChart chart = new HeatMapChart(width, height, Styler.ChartTheme.XChart);
        chart.setTitle(title);
        chart.setXAxisTitle("α (direction d1)");
        chart.setYAxisTitle("β (direction d2)");
        var st = chart.getStyler();
        st.setPiecewise(true);
        st.setPiecewiseRanged(true);
        st.setSplitNumber(ISOLINES + 1);
        st.setRangeColors(BANDS);
        st.setMin(lo);
        st.setMax(hi);
        st.setShowValue(false);
        st.setDrawBorder(false);
        st.setPlotBackgroundColor(NON_FINITE);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(true);
        st.setPlotContentSize(1.0); // no padding: grey inside the plot means non-finite only
        st.setPlotGridLinesVisible(false);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setLegendVisible(true);
        st.setHeatMapDecimalValueFormatter(ContourPlot::fmt);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        st.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));

        int n1 = r.a().length;
        int n2 = r.b().length;
        // Label about six ticks per axis; the other categories get an empty label.
        List<String> xs = tickLabels(r.a());
        List<String> ys = tickLabels(r.b());
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < n1; i++) {
            for (int j = 0; j < n2; j++) {
                double v = r.loss()[i][j];
                if (Double.isFinite(v)) {
                    cells.add(new Number[] {i, j, v});
                }
            }
        }
        if (cells.isEmpty()) {
            // XChart refuses data without a value: one cell, drawn in the non-finite grey like all others.
            Color[] grey = new Color[BANDS.length];
            java.util.Arrays.fill(grey, NON_FINITE);
            st.setRangeColors(grey);
            cells.add(new Number[] {0, 0, lo});
        }
        HeatMapSeries series = chart.addSeries("J", xs, ys, cells);
        series.setMin(lo);
        series.setMax(hi);
        chart.addAnnotation(marker);
        return chart;
    }

    /** About seven labelled ticks, anchored at the centre (0 for odd n), the rest blank. */
    static List<String> tickLabels(double[] x) {
        int n = x.length;
        int every = Math.max(1, (int) Math.ceil((n - 1) / 6.0));
        int anchor = n % 2 == 1 ? (n - 1) / 2 : 0;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean show = Math.floorMod(i - anchor, every) == 0;
            if (!show && (i == 0 || i == n - 1)) {
                int near = i == 0 ? Math.floorMod(anchor, every) : Math.floorMod(i - anchor, every);
                show = near >= (every + 1) / 2; // the ends, unless a tick sits too close
            }
            // Distinct categories need distinct keys: blanks differ in their number of spaces.
            out.add(show ? fmt(x[i]) : " ".repeat(i + 1));
        }
        return out;
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e4)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    /** A ring with a cross at the centre of the plot, where (alpha, beta) = (0, 0) on the symmetric grid. */
    static final class ThetaMarker extends Annotation {
        Rectangle2D plot;

        ThetaMarker() {
            super(true);
        }

        @Override
        public void paint(Graphics2D g) {
            double x0 = getXAxisScreenValueForMin();
            double x1 = getXAxisScreenValueForMax();
            double y0 = getYAxisScreenValueForMin();
            double y1 = getYAxisScreenValueForMax();
            plot = new Rectangle2D.Double(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
            double cx = (x0 + x1) / 2;
            double cy = (y0 + y1) / 2;
            double rad = 7;
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            Ellipse2D ring = new Ellipse2D.Double(cx - rad, cy - rad, 2 * rad, 2 * rad);
            g.setStroke(new BasicStroke(3.5f));
            g.setColor(Color.BLACK);
            g.draw(ring);
            g.setStroke(new BasicStroke(1.8f));
            g.setColor(Color.WHITE);
            g.draw(ring);
            g.fill(new Ellipse2D.Double(cx - 2, cy - 2, 4, 4));
            g.setFont(styler.getAnnotationTextFont());
            g.setColor(Color.BLACK);
            g.drawString("θ", (float) (cx + rad + 4), (float) (cy - rad - 1));
            g.setColor(Color.WHITE);
            g.drawString("θ", (float) (cx + rad + 3), (float) (cy - rad - 2));
            bounds = ring.getBounds2D();
        }
    }
}
