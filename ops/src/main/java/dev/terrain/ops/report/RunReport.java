package dev.terrain.ops.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.UserError;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report of a run, {@code runs/<id>/report.html}: a self-contained page (inline CSS, nothing
 * loaded from elsewhere) with the run's summary, its charts as PNGs in {@code runs/<id>/report/}
 * (loss terms, relative L2 error, loss weights, Roughness Index, Hessian λmax, the latest 2D loss
 * surface, the solution against the exact one and the pointwise error), the latest figures of each
 * probe, the events worth a look and the configuration. Whatever the run directory lacks becomes a
 * sentence in place of its chart. The PNGs are written first and the page last, each atomically.
 */
public final class RunReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);
    /** The folder of the PNGs, beside report.html. */
    static final String IMAGES = "report";
    /** Output components drawn on the solution charts; more would crowd the legend. */
    static final int MAX_COMPONENTS = 4;

    private RunReport() {}

    /** A chart on the page: its PNG under {@value #IMAGES}/ with its size, or (png null) the sentence saying why there is none. */
    record Figure(String png, String heading, String caption, int width, int height) {
        static Figure missing(String heading, String sentence) {
            return new Figure(null, heading, sentence, 0, 0);
        }
    }

    /**
     * Writes the report of the run in {@code runDir} and returns the path of its {@code report.html}.
     *
     * @throws UserError when {@code runDir} is not a run directory (it has no {@code config.conf})
     */
    public static Path write(Path runDir) {
        Path dir = runDir.toAbsolutePath().normalize();
        RunData data = RunData.read(dir);
        Path images = dir.resolve(IMAGES);
        RunSettings settings = null;
        String settingsProblem = null;
        try {
            settings = SolutionLine.settings(dir, data.config());
        } catch (UserError e) {
            settingsProblem = e.getMessage();
            LOG.warn("report of {}: its configuration does not load: {}", dir, settingsProblem);
        }
        Map<String, List<Figure>> sections = new LinkedHashMap<>();
        sections.put("Training", List.of(loss(data, images), relL2(data, images), weights(data, images)));
        sections.put("Solution", solution(data, settings, settingsProblem, images));
        sections.put("Loss landscape", List.of(roughness(data, images), hessian(data, images), surface(data, images)));
        deleteStale(images, sections);
        String html = ReportPage.render(data, settings, sections);
        Path report = dir.resolve("report.html");
        try {
            DurableFiles.writeAtomically(report, html.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        return report;
    }

    /** The solution line the report plots for the run in {@code runDir}, or empty when it has no parameters. */
    static Optional<SolutionLine> solutionLine(Path runDir) {
        RunData data = RunData.read(runDir);
        return SolutionLine.evaluate(runDir, SolutionLine.settings(runDir, data.config()), data.status().equals("completed"));
    }

    private static Figure loss(RunData data, Path images) {
        double[] steps = column(data.metrics(), n -> n.path("step"));
        List<Charts.Series> series = new ArrayList<>();
        for (String term : keys(data.metrics(), "terms")) {
            series.add(new Charts.Series(term, steps, column(data.metrics(), n -> n.path("terms").path(term))));
        }
        series.add(new Charts.Series("total", steps, column(data.metrics(), n -> n.path("total"))).withDashes());
        boolean log = Charts.allPositive(series);
        String caption = "Each loss term and the weighted total on the monitor batch against the training step, "
                + (log ? "log scale" : "linear scale because the loss takes values ≤ 0 (an energy loss)") + "; "
                + data.metrics().size() + " logged steps" + nonFinite(series) + ".";
        return chart(images, "loss", "Loss", new Charts.Spec("Loss terms and total", "step", "loss", log, series), caption,
                "No metrics were logged (metrics.jsonl is missing or empty), so there is no loss chart.");
    }

    private static Figure relL2(RunData data, Path images) {
        double[] steps = column(data.metrics(), n -> n.path("step"));
        List<Charts.Series> series = List.of(new Charts.Series("rel-L2", steps, column(data.metrics(), n -> n.path("rel_l2"))));
        return chart(images, "rel_l2", "Relative L2 error", new Charts.Spec("Relative L2 error ‖u − u*‖ / ‖u*‖", "step",
                        "relative L2 error", true, series),
                "The relative L2 error ‖u − u*‖ / ‖u*‖ on the test points against the training step, log scale"
                        + nonFinite(series) + ".",
                data.metrics().isEmpty() ? "No metrics were logged, so there is no relative L2 error chart."
                        : "No finite relative L2 error was logged: the problem has no exact solution, or the error was never finite.");
    }

    private static Figure weights(RunData data, Path images) {
        double[] steps = column(data.metrics(), n -> n.path("step"));
        List<Charts.Series> series = new ArrayList<>();
        for (String term : keys(data.metrics(), "weights")) {
            series.add(new Charts.Series("λ " + term, steps, column(data.metrics(), n -> n.path("weights").path(term))));
        }
        boolean log = Charts.allPositive(series);
        return chart(images, "weights", "Loss weights", new Charts.Spec("Loss weights (learning-rate annealing)", "step",
                        "weight λ", log, series),
                "The weight λ of each loss term, updated by learning-rate annealing (paper 001), against the training step, "
                        + (log ? "log scale" : "linear scale") + nonFinite(series) + ".",
                "No loss weights were logged: loss-weight annealing was off.");
    }

    private static Figure roughness(RunData data, Path images) {
        List<JsonNode> runs = data.probe("roughness");
        double[] steps = column(runs, n -> n.path("step"));
        List<Charts.Series> series = List.of(new Charts.Series("RI", steps, column(runs, n -> n.path("ri"))),
                new Charts.Series("mean(T)", steps, column(runs, n -> n.path("mean_t"))).withDashes().onRightAxis());
        return chart(images, "roughness", "Roughness Index",
                new Charts.Spec("Roughness Index along the trajectory", "step", "RI = std(T) / mean(T)", "mean(T)", false, series),
                "The Roughness Index RI = std(T)/mean(T) (left axis) and mean(T) (right axis) at the snapshots the "
                        + "roughness probe took (paper 000, Algorithm 1); " + runs.size() + " probe runs" + nonFinite(series) + ".",
                "No Roughness Index probe ran" + failedNote(data, "roughness") + ".");
    }

    private static Figure hessian(RunData data, Path images) {
        List<JsonNode> runs = data.probe("hessian");
        double[] steps = column(runs, n -> n.path("step"));
        List<Charts.Series> series = List.of(new Charts.Series("λmax", steps, column(runs, n -> n.path("lambda_max"))));
        return chart(images, "hessian", "Hessian λmax",
                new Charts.Spec("Largest Hessian eigenvalue along the trajectory", "step", "λmax", false, series),
                "The largest eigenvalue λmax of the Hessian of the loss (Lanczos on Hessian-vector products) at the "
                        + "snapshots the Hessian probe took; " + runs.size() + " probe runs" + nonFinite(series) + ".",
                "No Hessian probe ran" + failedNote(data, "hessian") + ".");
    }

    private static Figure surface(RunData data, Path images) {
        List<JsonNode> runs = data.probe("surface");
        String heading = "2D loss surface";
        if (runs.isEmpty()) {
            return Figure.missing(heading, "No loss-surface probe ran" + failedNote(data, "surface") + ".");
        }
        JsonNode r = runs.get(runs.size() - 1);
        long step = r.path("step").asLong();
        try {
            ContourPlot.Grid grid = grid(r);
            String title = String.format(Locale.ROOT, "J(θ + α d1 + β d2) at step %d: J(θ) = %s, %d x %d, span %s", step,
                    ContourPlot.fmt(RunData.num(r.path("loss_at_theta"))), grid.a().length, grid.b().length,
                    ContourPlot.fmt(RunData.num(r.path("span"))));
            BufferedImage image = ContourPlot.render(grid, ContourPlot.DEFAULT_WIDTH, ContourPlot.DEFAULT_HEIGHT, title);
            png(images, "surface", image);
            long nonFinite = r.path("non_finite").asLong();
            return new Figure("surface", heading, "The loss J(θ + α d1 + β d2) around θ (ring) along two filter-normalised "
                    + "random directions at step " + step + ", the latest of " + runs.size() + " surface probe runs; eight "
                    + "isolines at equal gaps between the smallest and the largest loss on the grid, as paper 000 Fig. 3"
                    + (nonFinite > 0 ? "; " + nonFinite + " non-finite cells are grey" : "") + ".",
                    image.getWidth(), image.getHeight());
        } catch (RuntimeException e) {
            LOG.warn("report of {}: the surface of step {} cannot be drawn: {}", data.dir(), step, e.getMessage());
            return Figure.missing(heading, "The loss surface of step " + step + " could not be drawn: " + e.getMessage());
        }
    }

    /** The grid of a surface record of landscape.jsonl (null cells are non-finite). */
    static ContourPlot.Grid grid(JsonNode r) {
        double[] a = column(list(r.path("a")), n -> n);
        double[] b = column(list(r.path("b")), n -> n);
        List<JsonNode> rows = list(r.path("loss"));
        double[][] loss = new double[rows.size()][];
        for (int i = 0; i < loss.length; i++) {
            loss[i] = column(list(rows.get(i)), n -> n);
        }
        return new ContourPlot.Grid(a, b, loss, RunData.num(r.path("min")), RunData.num(r.path("max")));
    }

    private static List<Figure> solution(RunData data, RunSettings settings, String settingsProblem, Path images) {
        String uHeading = "Solution";
        String eHeading = "Pointwise error";
        if (settings == null) {
            String why = "The network cannot be rebuilt: its configuration does not load (" + settingsProblem + ").";
            return List.of(Figure.missing(uHeading, why), Figure.missing(eHeading, why));
        }
        Optional<SolutionLine> found;
        try {
            found = SolutionLine.evaluate(data.dir(), settings, data.status().equals("completed"));
        } catch (RuntimeException e) {
            LOG.warn("report of {}: the solution cannot be evaluated: {}", data.dir(), e.getMessage());
            String why = "The trained network could not be evaluated: " + e.getMessage();
            return List.of(Figure.missing(uHeading, why), Figure.missing(eHeading, why));
        }
        if (found.isEmpty()) {
            String why = "There are no trained parameters to plot: no parameters.json and no checkpoint.";
            return List.of(Figure.missing(uHeading, why), Figure.missing(eHeading, why));
        }
        return SolutionFigures.of(found.get(), images, MAX_COMPONENTS);
    }

    /** Draws {@code spec} into {@code <name>.png}, or returns the sentence {@code absent} when it has nothing to draw. */
    static Figure chart(Path images, String name, String heading, Charts.Spec spec, String caption, String absent) {
        BufferedImage image;
        try {
            image = Charts.render(spec);
        } catch (RuntimeException e) {
            LOG.warn("report chart {} in {} cannot be drawn: {}", name, images, e.toString());
            return Figure.missing(heading, "The " + heading.toLowerCase(Locale.ROOT) + " chart could not be drawn: " + e);
        }
        if (image == null) {
            return Figure.missing(heading, absent);
        }
        png(images, name, image);
        return new Figure(name, heading, caption, image.getWidth(), image.getHeight());
    }

    /** Writes {@code <name>.png} atomically. */
    static void png(Path images, String name, BufferedImage image) {
        Path file = images.resolve(name + ".png");
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IOException("no PNG writer available");
            }
            DurableFiles.writeAtomically(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Charts of an earlier report of this run that this one no longer has must not linger beside it. */
    private static void deleteStale(Path images, Map<String, List<Figure>> sections) {
        Set<String> kept = new java.util.HashSet<>();
        sections.values().forEach(l -> l.forEach(f -> kept.add(f.png() + ".png")));
        if (!Files.isDirectory(images)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.list(images)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".png") && !kept.contains(f.getFileName().toString())) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot delete stale charts in {}: {}", images, e.getMessage());
        }
    }

    private static String failedNote(RunData data, String probe) {
        long failed = data.landscape().stream()
                .filter(n -> probe.equals(n.path("probe").asText()) && n.hasNonNull("error")).count();
        return failed == 0 ? "" : " successfully (" + failed + " runs failed, see the events)";
    }

    /** ", K non-finite values left out" when some are. */
    static String nonFinite(List<Charts.Series> series) {
        long n = series.stream().flatMapToDouble(s -> java.util.Arrays.stream(s.y())).filter(v -> !Double.isFinite(v)).count();
        return n == 0 ? "" : ", " + n + " non-finite values left out";
    }

    /** The field names of object {@code field} across records, in order of first appearance. */
    private static Set<String> keys(List<JsonNode> records, String field) {
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode r : records) {
            r.path(field).fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    static double[] column(List<JsonNode> records, Function<JsonNode, JsonNode> field) {
        double[] out = new double[records.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = RunData.num(field.apply(records.get(i)));
        }
        return out;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
