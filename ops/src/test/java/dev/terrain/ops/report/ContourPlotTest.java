package dev.terrain.ops.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.train.Objective;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContourPlotTest {
    @TempDir
    Path dir;

    /** J = exp(2a) + 0.3 b^2 on [-1,1]^2 (low on the left, high on the right), NaN at (a, b) = (-1, +1). */
    static LossSurface.Result synthetic(int n1, int n2) {
        LossSurface.Settings s = new LossSurface.Settings(n1, n2, 1.0, 7, BiasMode.ZERO);
        double[] a = LossSurface.axis(n1, 1.0);
        double[] b = LossSurface.axis(n2, 1.0);
        double[][] loss = new double[n1][n2];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n1; i++) {
            for (int j = 0; j < n2; j++) {
                loss[i][j] = Math.exp(2 * a[i]) + 0.3 * b[j] * b[j];
                if (!(i == 0 && j == n2 - 1)) {
                    min = Math.min(min, loss[i][j]);
                    max = Math.max(max, loss[i][j]);
                }
            }
        }
        loss[0][n2 - 1] = Double.NaN;
        return new LossSurface.Result(a, b, loss, 1.0, min, max, 1, s, 0.01);
    }

    static int rgb(BufferedImage im, Rectangle2D plot, double fx, double fy) {
        // fx, fy in [0, 1] of the plot area, fy = 0 at the bottom (beta = -span).
        int x = (int) (plot.getX() + fx * plot.getWidth());
        int y = (int) (plot.getY() + (1 - fy) * plot.getHeight());
        return im.getRGB(x, y) & 0xffffff;
    }

    @Test
    void pngHasTheRequestedSizeAndShowsLowHighAndNonFiniteCells() throws Exception {
        LossSurface.Result r = synthetic(41, 31);
        Path png = dir.resolve("sub/surface.png");
        ContourPlot.writePng(r, png, 640, 520, null);
        assertThat(png).exists();
        BufferedImage im = ImageIO.read(png.toFile());
        assertThat(im.getWidth()).isEqualTo(640);
        assertThat(im.getHeight()).isEqualTo(520);

        ContourPlot.Rendered rr = ContourPlot.renderWithArea(r, 640, 520, "t");
        Rectangle2D plot = rr.plot();
        assertThat(plot.getWidth()).isGreaterThan(200);
        int low = rgb(rr.image(), plot, 0.2, 0.5);
        int high = rgb(rr.image(), plot, 0.995, 0.5);
        int nan = rgb(rr.image(), plot, 0.005, 0.995);
        assertThat(low).isEqualTo(ContourPlot.BANDS[0].getRGB() & 0xffffff);
        assertThat(high).isEqualTo(ContourPlot.BANDS[8].getRGB() & 0xffffff);
        assertThat(nan).isEqualTo(ContourPlot.NON_FINITE.getRGB() & 0xffffff);
        assertThat(low).isNotEqualTo(high);
    }

    @Test
    void eightEqualGapIsolinesStrictlyBetweenMinAndMax() {
        double[] l = ContourPlot.levels(1.0, 10.0);
        assertThat(l).hasSize(8);
        for (int k = 0; k < 8; k++) {
            assertThat(l[k]).isCloseTo(1.0 + (k + 1), within(1e-12));
        }
        assertThat(ContourPlot.tickLabels(LossSurface.axis(41, 1.0))).contains("0", "-1", "1")
                .filteredOn(t -> !t.isBlank()).hasSizeBetween(5, 9);
        assertThatThrownBy(() -> ContourPlot.render(synthetic(3, 3), 100, 500, null)).hasMessageContaining("100 x 500");
    }

    @Test
    void flatOrAllNonFiniteSurfacesStillDraw() throws Exception {
        LossSurface.Settings s = new LossSurface.Settings(2, 2, 1.0, 1, BiasMode.COPY);
        double[] a = {-1, 1};
        LossSurface.Result flat = new LossSurface.Result(a, a, new double[][] {{2, 2}, {2, 2}}, 2, 2, 2, 0, s, 0);
        LossSurface.Result bad = new LossSurface.Result(a, a,
                new double[][] {{Double.NaN, Double.POSITIVE_INFINITY}, {Double.NaN, Double.NaN}}, Double.NaN,
                Double.NaN, Double.NaN, 4, s, 0);
        ContourPlot.writePng(flat, dir.resolve("flat.png"));
        ContourPlot.writePng(bad, dir.resolve("bad.png"));
        assertThat(ImageIO.read(dir.resolve("flat.png").toFile()).getWidth()).isEqualTo(ContourPlot.DEFAULT_WIDTH);
        assertThat(ImageIO.read(dir.resolve("bad.png").toFile()).getHeight()).isEqualTo(ContourPlot.DEFAULT_HEIGHT);
    }

    @Test
    void jsonRoundTripKeepsTheGridAndNonFiniteCells() throws Exception {
        LossSurface.Result r = synthetic(5, 4);
        Path json = dir.resolve("surface.json");
        LossSurfaceReport.writeJson(r, json);
        assertThat(Files.readString(json)).contains("NaN").contains("\"settings\"");
        LossSurface.Result back = LossSurfaceReport.readJson(json);
        assertThat(back.a()).containsExactly(r.a());
        assertThat(back.b()).containsExactly(r.b());
        assertThat(back.loss()).hasDimensions(5, 4);
        for (int i = 0; i < 5; i++) {
            assertThat(java.util.Arrays.equals(back.loss()[i], r.loss()[i])).as("row %d", i).isTrue();
        }
        assertThat(Double.isNaN(back.loss()[0][3])).isTrue();
        assertThat(back.settings()).isEqualTo(r.settings());
        assertThat(back.min()).isEqualTo(r.min());
        assertThat(back.max()).isEqualTo(r.max());
        assertThat(back.nonFiniteCount()).isEqualTo(1);
        assertThat(back.lossAtTheta()).isEqualTo(r.lossAtTheta());
        assertThat(back.wallSeconds()).isEqualTo(r.wallSeconds());
    }

    /** A real surface: DGM loss of the 1D Poisson ResNet (w = 4) at initialisation, PNG + JSON. */
    @Test
    void realPoissonSurfaceIsWritten() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = new NetworkSpec("resnet", 4, 1, List.of(), Activation.SWISH, 0.1, Initializer.GLOROT_NORMAL,
                    List.of(), false, null).build(params, 1, 1, 1);
            Objective o = new Objective(Catalogue.byId("poisson").create(Map.of()), LossKind.byId("dgm"), net, Map.of(), c);
            HostPoints h = Sampler.sample(o.problem().domain(), Region.INTERIOR, Rule.SIMPSON, 101, new SplittableRandom(0));
            Map<String, PointSet> batch = o.toDevice(Map.of("interior", h), m);
            batch.values().forEach(PointSet::keep);
            LossSurface.Result r = LossSurface.compute(new BatchedLoss(o, batch, BatchedLoss.DEFAULT_MAX_ELEMENTS), params,
                    new LossSurface.Settings(41, 41, 1.0, 2024, BiasMode.ZERO));
            Path png = LossSurfaceReport.write(r, dir, "poisson-dgm");
            BufferedImage im = ImageIO.read(png.toFile());
            assertThat(im.getWidth()).isEqualTo(ContourPlot.DEFAULT_WIDTH);
            assertThat(LossSurfaceReport.readJson(dir.resolve("poisson-dgm.json")).loss()).isDeepEqualTo(r.loss());
            String copy = System.getProperty("terrain.example.png");
            if (copy != null) {
                Files.copy(png, Path.of(copy), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
