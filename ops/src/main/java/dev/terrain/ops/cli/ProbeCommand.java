package dev.terrain.ops.cli;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.GradientStatistics;
import dev.terrain.model.probe.GradientStatisticsResult;
import dev.terrain.model.probe.GradientStatisticsSettings;
import dev.terrain.model.probe.HessianProbe;
import dev.terrain.model.probe.HessianResult;
import dev.terrain.model.probe.HessianSettings;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.probe.RoughnessIndex;
import dev.terrain.model.tensor.Threads;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.report.LossSurfaceReport;
import dev.terrain.ops.run.Json;
import dev.terrain.ops.run.RunFactory;
import dev.terrain.ops.run.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain probe <run-dir> [--step N] --ri M=100,m=100,l=0.01 --hessian k=5 --grads}: landscape
 * probes on the parameters a run saved, on the run's own problem, loss and (fixed) probe batch. Each
 * probe writes {@code <run-dir>/probes/<probe>-<step>.json} and prints one summary line.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Landscape probes (Roughness Index, Hessian spectrum, gradient statistics) on a run's saved parameters.")
final class ProbeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR|PARAMETERS",
            description = "a run directory written by `terrain train`, or one of its parameters files")
    Path runDir;

    @Option(names = "--step", description = "use parameters/step-<N>.json (train.saveEvery) instead of the final parameters")
    Long step;

    @Option(names = "--loss", description = "probe another loss family at the same parameters (e.g. drm on a DGM run, paper 000 Table IX)")
    String loss;

    @Option(names = "--ri", arity = "0..1", fallbackValue = "", paramLabel = "SPEC",
            description = "Roughness Index: M=100,m=100,l=0.01,seed=1,bias=zero|copy,groups=<g1+g2>")
    String ri;

    @Option(names = "--surface", arity = "0..1", fallbackValue = "", paramLabel = "SPEC",
            description = "2D loss surface: 41x41,span=1,seed=1,bias=zero|copy (JSON data and contour PNG)")
    String surface;

    @Option(names = "--hessian", arity = "0..1", fallbackValue = "", paramLabel = "SPEC",
            description = "Hessian spectrum: k=5,seed=1 (power iteration and Lanczos)")
    String hessian;

    @Option(names = "--grads", arity = "0..1", fallbackValue = "", paramLabel = "SPEC",
            description = "per-term, per-layer gradient statistics: bins=30,min=-12,max=3 (log10 |g|)")
    String grads;

    @Override
    public Integer call() throws IOException {
        if (ri == null && surface == null && hessian == null && grads == null) {
            throw new UserError("no probe chosen; valid: --ri, --surface, --hessian, --grads");
        }
        Path given = null;
        if (Files.isRegularFile(runDir)) {
            given = runDir;
            Path dir = runDir.toAbsolutePath().getParent();
            while (dir != null && !Files.isRegularFile(dir.resolve("config.conf"))) {
                dir = dir.getParent();
            }
            if (dir == null) {
                throw new UserError("no run directory (with config.conf) above " + runDir);
            }
            runDir = dir;
        }
        Path config = runDir.resolve("config.conf");
        if (!Files.isDirectory(runDir) || !Files.isRegularFile(config)) {
            throw new UserError("not a run directory (no config.conf): " + runDir);
        }
        if (given != null && step != null) {
            throw new UserError("give either a parameters file or --step, not both");
        }
        Path params = given != null ? given
                : step == null ? runDir.resolve("parameters.json") : runDir.resolve(TrainingRun.snapshotName(step));
        if (!Files.isRegularFile(params)) {
            throw new UserError("no parameters at " + params + (step == null ? " (the run did not complete)"
                    : "; saved steps are in " + runDir.resolve("parameters")));
        }
        RunSettings s = SettingsLoader.load(config.toFile(), loss == null ? Map.of() : Map.of("problem.loss", loss));
        Threads.set(s.threads());
        try (NDManager manager = NDManager.newBaseManager(TrainCommand.device(s.device()))) {
            Trainer trainer = RunFactory.build(s, manager);
            TrainingRun.loadParameters(params, trainer.objective().network().parameters());
            long at = step != null ? step : given != null ? stepOf(given) : summaryStep();
            String id = s.runId() + "@" + at;
            if (ri != null) {
                roughness(trainer, at, id);
            }
            if (surface != null) {
                surface(trainer, at);
            }
            if (hessian != null) {
                hessian(trainer, at, id);
            }
            if (grads != null) {
                gradients(trainer, at, id);
            }
        }
        return 0;
    }

    /** The step in a snapshot name parameters/step-000001000.json, else the run's final step. */
    private long stepOf(Path file) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("step-(\\d+)\\.json").matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : summaryStep();
    }

    private long summaryStep() throws IOException {
        Path summary = runDir.resolve("summary.json");
        return Files.isRegularFile(summary) ? Json.MAPPER.readTree(summary.toFile()).path("steps").asLong(-1) : -1;
    }

    private void roughness(Trainer trainer, long at, String id) throws IOException {
        ProbeSpecs p = new ProbeSpecs("--ri", ri, Set.of("M", "m", "l", "seed", "bias", "groups"));
        RoughnessIndex.Settings settings = SettingsLoader.named("--ri", () -> new RoughnessIndex.Settings(
                p.integer("M", 100), p.integer("m", 100), p.number("l", 0.01), p.integer("seed", 1),
                BiasMode.byId(p.string("bias", "zero")), new HashSet<>(p.list("groups"))));
        Set<String> known = new HashSet<>();
        trainer.objective().network().parameters().list().forEach(q -> known.add(q.group()));
        if (!known.containsAll(settings.groups())) {
            throw new UserError("--ri: unknown parameter group in " + settings.groups() + "; groups: " + known);
        }
        BatchedLoss batched = new BatchedLoss(trainer.objective(), trainer.probeBatch(), BatchedLoss.DEFAULT_MAX_ELEMENTS);
        RoughnessIndex.Result r = RoughnessIndex.compute(batched, trainer.objective().network().parameters(), settings);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("probe", "roughness-index");
        out.put("snapshot", id);
        out.put("step", at);
        out.put("loss_family", trainer.objective().kind().id());
        out.put("rel_l2", nullIfNaN(trainer.relativeL2()));
        out.put("result", r);
        Path file = write("ri", at, out);
        System.out.printf(Locale.ROOT, "RI %.4f  mean T %.3f  std T %.3f  (M=%d m=%d l=%g seed=%d bias=%s, %d excluded) %.2f s -> %s%n",
                r.ri(), r.meanT(), r.stdT(), r.directions(), r.intervals(), r.halfWidth(), r.seed(),
                r.biasMode().name().toLowerCase(Locale.ROOT), r.nonFiniteDirections().size() + r.flatDirections().size(),
                r.wallSeconds(), file);
    }

    private void surface(Trainer trainer, long at) throws IOException {
        String grid = surface.isBlank() || surface.startsWith("span") || surface.startsWith("seed")
                || surface.startsWith("bias") ? "41x41" : surface.split(",", 2)[0];
        String rest = surface.startsWith(grid) ? surface.substring(grid.length()).replaceFirst("^,", "") : surface;
        if (!grid.matches("\\d+x\\d+")) {
            throw new UserError("--surface: grid must look like 41x41, got '" + grid + "'");
        }
        String[] n = grid.split("x");
        ProbeSpecs p = new ProbeSpecs("--surface", rest, Set.of("span", "seed", "bias"));
        LossSurface.Settings settings = SettingsLoader.named("--surface", () -> new LossSurface.Settings(
                Integer.parseInt(n[0]), Integer.parseInt(n[1]), p.number("span", 1.0), p.integer("seed", 1),
                BiasMode.byId(p.string("bias", "zero"))));
        BatchedLoss batched = new BatchedLoss(trainer.objective(), trainer.probeBatch(), BatchedLoss.DEFAULT_MAX_ELEMENTS);
        LossSurface.Result r = LossSurface.compute(batched, trainer.objective().network().parameters(), settings);
        String name = "surface-" + (at < 0 ? "final" : String.valueOf(at)) + (loss == null ? "" : "-" + loss);
        Path dir = runDir.resolve("probes");
        Files.createDirectories(dir);
        LossSurfaceReport.write(r, dir, name);
        System.out.printf(Locale.ROOT, "surface %dx%d span %g: J(theta) %.4e, min %.4e, max %.4e, %d non-finite, %.2f s -> %s.{json,png}%n",
                settings.n1(), settings.n2(), settings.span(), r.lossAtTheta(), r.min(), r.max(), r.nonFiniteCount(),
                r.wallSeconds(), dir.resolve(name));
    }

    private void hessian(Trainer trainer, long at, String id) throws IOException {
        ProbeSpecs p = new ProbeSpecs("--hessian", hessian, Set.of("k", "seed"));
        int k = p.integer("k", 5);
        HessianSettings settings = SettingsLoader.named("--hessian", () -> HessianSettings.defaults(k)
                .withSeed(p.integer("seed", 1)));
        HessianResult r = SettingsLoader.named("--hessian",
                () -> new HessianProbe(trainer.objective(), trainer.probeBatch(), settings).run(at, id));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("probe", "hessian");
        out.put("snapshot", id);
        out.put("step", at);
        out.put("parameters", r.parameters());
        out.put("loss_value", r.loss());
        out.put("problem", r.problem());
        out.put("eigenvalues", r.lanczos() == null ? null : r.lanczos().eigenvalues());
        out.put("residuals", r.lanczos() == null ? null : r.lanczos().residualEstimates());
        out.put("power_eigenvalue", r.power() == null ? null : nullIfNaN(r.power().eigenvalue()));
        out.put("eigenvalue_index", r.index() == null ? null : nullIfNaN(r.index().value()));
        out.put("eigenvalue_index_defined", r.index() != null && r.index().defined());
        out.put("hessian_vector_products", r.hessianVectorProducts());
        out.put("fd_scale", r.fdScale());
        out.put("wall_s", r.wallTime().toNanos() / 1e9);
        Path file = write("hessian", at, out);
        if (!r.ok()) {
            System.out.println("Hessian: " + r.problem() + " -> " + file);
            return;
        }
        System.out.printf(Locale.ROOT, "Hessian top-%d %s  V(%d) = %s  (%d HVPs) %.2f s -> %s%n", k,
                java.util.Arrays.toString(round(r.lanczos().eigenvalues())), k,
                r.index().defined() ? String.format(Locale.ROOT, "%.4f", r.index().value()) : "undefined (" + r.index().why() + ")",
                r.hessianVectorProducts(), r.wallTime().toNanos() / 1e9, file);
    }

    private void gradients(Trainer trainer, long at, String id) throws IOException {
        ProbeSpecs p = new ProbeSpecs("--grads", grads, Set.of("bins", "min", "max"));
        GradientStatisticsSettings d = GradientStatisticsSettings.defaults();
        GradientStatisticsSettings settings = SettingsLoader.named("--grads", () -> new GradientStatisticsSettings(
                p.integer("bins", d.bins()), p.number("min", d.log10Min()), p.number("max", d.log10Max())));
        GradientStatisticsResult r = new GradientStatistics(trainer.objective(), trainer.probeBatch(), settings)
                .compute(at, id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("probe", "gradient-statistics");
        out.put("snapshot", id);
        out.put("step", at);
        out.put("result", r);
        Path file = write("grads", at, out);
        StringBuilder line = new StringBuilder("grads");
        for (GradientStatisticsResult.Term t : r.terms()) {
            line.append(String.format(Locale.ROOT, "  %s: max %.3e mean %.3e", t.name(), t.overall().max(), t.overall().mean()));
        }
        System.out.println(line + " -> " + file);
    }

    private Path write(String probe, long at, Object value) throws IOException {
        String suffix = (at < 0 ? "final" : String.valueOf(at)) + (loss == null ? "" : "-" + loss);
        Path file = runDir.resolve("probes").resolve(probe + "-" + suffix + ".json");
        Files.createDirectories(file.getParent());
        Json.MAPPER.writeValue(file.toFile(), value);
        return file;
    }

    private static Double nullIfNaN(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Double.parseDouble(String.format(Locale.ROOT, "%.5g", v[i]));
        }
        return r;
    }
}
