package dev.terrain.ops.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.ops.cli.Main;
import dev.terrain.ops.config.UserError;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a real run (paper 000's 1D Poisson DGM problem, 600 Adam steps, with the roughness,
 * surface and Hessian probes on every 200 steps), written by the run itself at its end.
 */
class RunReportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EXAMPLE = "../examples/poisson1d-dgm.conf";
    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static final Pattern IMG = Pattern.compile("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"");

    @TempDir
    static Path runs;
    static Path run;
    /** report.html as the run left it. */
    static String written;

    @BeforeAll
    static void train() {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=r",
                "-Dtrain.steps=600", "-Dtrain.logEvery=50", "-Dtrain.printEvery=100000", "-Dkafka.enabled=false",
                "-Dprometheus.enabled=false", "-Dpipeline.snapshotEvery=100",
                "-Dprobes.roughness.every=200", "-Dprobes.roughness.directions=10", "-Dprobes.roughness.intervals=20",
                "-Dprobes.surface.enabled=true", "-Dprobes.surface.every=200", "-Dprobes.surface.n1=11",
                "-Dprobes.surface.n2=11", "-Dprobes.hessian.enabled=true", "-Dprobes.hessian.every=200");
        assertThat(code).as(err.toString()).isZero();
        run = runs.resolve("r");
        try {
            written = Files.readString(run.resolve("report.html"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            written = null; // asserted in the test
        }
    }

    /** The {@code <img>} of the page: src → {width, height}. */
    static Map<String, int[]> images(String html) {
        Map<String, int[]> out = new LinkedHashMap<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) {
            out.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
        }
        return out;
    }

    /** The exact value of summary row {@code id} ({@code data-value}). */
    static double row(String html, String id) {
        Matcher m = Pattern.compile("<tr id=\"" + Pattern.quote(id) + "\"><th>[^<]*</th><td class=\"num\" data-value=\"([^\"]+)\">")
                .matcher(html);
        assertThat(m.find()).as("summary row %s", id).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theRunWritesAReportWhoseChartsAreValidPngsAndWhoseSummaryIsSummaryJson() throws IOException {
        assertThat(written).as("report.html written at the end of the run").isNotNull();
        String html = written;
        Map<String, int[]> images = images(html);
        assertThat(images.keySet()).containsExactly("report/loss.png", "report/rel_l2.png", "report/solution.png",
                "report/error.png", "report/roughness.png", "report/hessian.png", "report/surface.png");
        for (Map.Entry<String, int[]> img : images.entrySet()) {
            Path file = run.resolve(img.getKey());
            assertThat(file).isRegularFile();
            byte[] head = Arrays.copyOf(Files.readAllBytes(file), PNG_SIGNATURE.length);
            assertThat(head).as("PNG signature of %s", file).isEqualTo(PNG_SIGNATURE);
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).as(img.getKey()).isNotNull();
            boolean surface = img.getKey().endsWith("surface.png");
            int[] expected = surface ? new int[] {ContourPlot.DEFAULT_WIDTH, ContourPlot.DEFAULT_HEIGHT}
                    : new int[] {Charts.WIDTH, Charts.HEIGHT};
            assertThat(new int[] {image.getWidth(), image.getHeight()}).as(img.getKey()).isEqualTo(expected)
                    .isEqualTo(img.getValue());
        }
        assertThat(html).contains("No loss weights were logged: loss-weight annealing was off.")
                .contains("No gradient statistics probe ran.")
                .doesNotContain("<script").doesNotContain("<link").doesNotContain("url(")
                .doesNotContainPattern("(src|href)=\"(?!report/)");

        JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(html).contains("<span class=\"status completed\">completed</span>");
        assertThat(row(html, "summary-steps")).isEqualTo(600).isEqualTo(summary.get("steps").asDouble());
        assertThat(row(html, "summary-term-pde")).isEqualTo(summary.get("terms").get("pde").asDouble());
        assertThat(row(html, "summary-total")).isEqualTo(summary.get("total").asDouble());
        assertThat(row(html, "summary-rel-l2")).isEqualTo(summary.get("rel_l2").asDouble());
        assertThat(row(html, "summary-wall")).isEqualTo(summary.get("wall_s").asDouble());
        assertThat(row(html, "summary-steps-per-s")).isEqualTo(summary.get("steps_per_s").asDouble());
        assertThat(row(html, "summary-snapshots")).isEqualTo(summary.get("pipeline").get("snapshots").asDouble());
        assertThat(row(html, "summary-trainer-restarts")).isZero();
        // What a person reads is the same number, rounded.
        double total = summary.get("total").asDouble();
        assertThat(html).contains("data-value=\"" + total + "\">" + Html.number(total) + "</td>");
    }

    @Test
    void theSolutionLineIsTheTrainedNetworkAgainstTheExactSolution() throws IOException {
        SolutionLine line = RunReport.solutionLine(run).orElseThrow();
        double relL2 = JSON.readTree(run.resolve("summary.json").toFile()).get("rel_l2").asDouble();
        assertThat(relL2).as("600 steps train this problem to about 1e-3").isBetween(1e-5, 1e-2);
        double[] x = line.x();
        assertThat(x).hasSize(SolutionLine.POINTS);
        assertThat(x[0]).isZero();
        assertThat(x[x.length - 1]).isEqualTo(1.0);
        double err2 = 0;
        double exact2 = 0;
        double maxErr = 0;
        for (int i = 0; i < x.length; i++) {
            assertThat(line.exact()[0][i]).isCloseTo(Math.sin(Math.PI * x[i]), within(1e-12));
            double e = line.u()[0][i] - line.exact()[0][i];
            err2 += e * e;
            exact2 += line.exact()[0][i] * line.exact()[0][i];
            maxErr = Math.max(maxErr, Math.abs(e));
            assertThat(line.error(0)[i]).isEqualTo(Math.abs(e));
        }
        // u = x(x-1) NN(x): zero on the boundary whatever the network.
        assertThat(line.u()[0][0]).isCloseTo(0.0, within(1e-12));
        assertThat(line.u()[0][x.length - 1]).isCloseTo(0.0, within(1e-12));
        // The relative L2 error on the line's 400 points is the run's (on its own test grid) up to the grid.
        assertThat(Math.sqrt(err2 / exact2)).isCloseTo(relL2, within(0.2 * relL2));
        // The largest pointwise error of a smooth error curve is a few times its RMS, ‖u*‖_rms = 1/√2.
        assertThat(maxErr).isLessThanOrEqualTo(4 * relL2 / Math.sqrt(2)).isGreaterThan(0.0);
        assertThat(line.source()).contains("parameters.json");
    }

    @Test
    void chromiumRendersTheReportWithItsImages(@TempDir Path out) throws Exception {
        Path chromium = onPath("chromium");
        Assumptions.assumeTrue(chromium != null, "chromium is not on PATH: apt-get install --no-install-recommends chromium");
        Path report = RunReport.write(run);
        Path shot = out.resolve("shot.png");
        String url = report.toAbsolutePath().toUri().toString();
        String dom = chromium(out, chromium, "--dump-dom", url);
        assertThat(images(dom)).as("the parsed DOM has every image").hasSize(7);
        assertThat(dom).contains("<h1>Run <code>r</code>");
        chromium(out, chromium, "--screenshot=" + shot, "--window-size=1200,9000", url);
        BufferedImage image = ImageIO.read(shot.toFile());
        assertThat(image).isNotNull();
        // The contour's lowest band (viridis #440154) shows only if chromium decoded and drew surface.png.
        int band = 0;
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                band += near(rgb, 0x440154) ? 1 : 0;
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
        assertThat(band).as("pixels of the contour's lowest band").isGreaterThan(2000);
    }

    @Test
    void aRunWithOnlyAConfigurationAndATornMetricsLineStillGetsAReport(@TempDir Path dir) throws IOException {
        Files.copy(run.resolve("config.conf"), dir.resolve("config.conf"));
        Files.writeString(dir.resolve("metrics.jsonl"), """
                {"step":0,"terms":{"pde":52.5},"total":52.5,"rel_l2":null,"evaluations":0,"wall_s":0.04}
                {"step":50,"terms":{"pde":"NaN"},"total":"NaN","rel_l2":null,"evaluations":50,"wall_s":0.1}
                {"step":100,"terms":{"pde":1.07""");
        Path report = RunReport.write(dir);
        String html = Files.readString(report, StandardCharsets.UTF_8);
        assertThat(images(html).keySet()).containsExactly("report/loss.png");
        assertThat(html).contains("<span class=\"status unfinished\">unfinished</span>")
                .contains("There is no summary.json")
                .contains("1 unreadable (torn) lines")
                .contains("2 non-finite values left out")
                .contains("No finite relative L2 error was logged")
                .contains("No Roughness Index probe ran.")
                .contains("No Hessian probe ran.")
                .contains("No loss-surface probe ran.")
                .contains("There are no trained parameters to plot: no parameters.json and no checkpoint.")
                .contains("No events were logged");
        assertThat(row(html, "summary-steps")).as("the last readable line").isEqualTo(50);
        assertThat(dir.resolve("report/loss.png")).isRegularFile();

        // Nothing but the configuration: sentences only, and the stale chart of the earlier report is gone.
        Files.delete(dir.resolve("metrics.jsonl"));
        String bare = Files.readString(RunReport.write(dir), StandardCharsets.UTF_8);
        assertThat(images(bare)).isEmpty();
        assertThat(bare).contains("No metrics were logged").contains("No step was logged");
        assertThat(dir.resolve("report/loss.png")).doesNotExist();
    }

    @Test
    void aDirectoryWithoutConfigurationIsAUserErrorAndTheCommandExitsWithTwo(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> RunReport.write(dir)).isInstanceOf(UserError.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("no config.conf");
        StringWriter err = new StringWriter();
        assertThat(Main.execute(new PrintWriter(err, true), "report", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: ").contains("is not a run directory");
        assertThat(err.toString().lines().count()).isEqualTo(1);
        assertThat(dir.resolve("report.html")).doesNotExist();

        Files.delete(run.resolve("report.html"));
        assertThat(Main.execute(new PrintWriter(new StringWriter(), true), "report", run.toString())).isZero();
        assertThat(run.resolve("report.html")).isRegularFile();
    }

    @Test
    void pointsALogAxisCannotShowAreLeftOutAndAnEmptyChartIsNotDrawn() {
        Charts.Series s = new Charts.Series("s", new double[] {0, 1, 2, 3, 4}, new double[] {1, Double.NaN, -2, 0, 5});
        Charts.Series log = Charts.drawable(s, true);
        assertThat(log.x()).containsExactly(0, 4);
        assertThat(log.y()).containsExactly(1, 5);
        assertThat(Charts.drawable(s, false).x()).containsExactly(0, 2, 3, 4);
        assertThat(Charts.allPositive(List.of(s))).isFalse();
        Charts.Series nothing = new Charts.Series("n", new double[] {0, 1}, new double[] {Double.NaN, 0});
        assertThat(Charts.render(new Charts.Spec("t", "x", "y", true, List.of(nothing)))).isNull();
        assertThat(Charts.render(new Charts.Spec("t", "x", "y", false, List.of(nothing)))).isNotNull();
    }

    private static boolean near(int rgb, int target) {
        int d = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            d = Math.max(d, Math.abs(((rgb >> shift) & 0xff) - ((target >> shift) & 0xff)));
        }
        return d <= 3;
    }

    /** Runs headless chromium with a 60 s limit and returns its standard output. */
    private static String chromium(Path work, Path chromium, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + work.resolve("profile")));
        command.addAll(List.of(args));
        Path stdout = work.resolve("stdout.txt");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(work.resolve("stderr.txt").toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finishes within 60 s").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(Files.readString(work.resolve("stderr.txt"))).isZero();
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static Path onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
