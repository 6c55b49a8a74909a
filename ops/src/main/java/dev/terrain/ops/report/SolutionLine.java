package dev.terrain.ops.report;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.actors.Checkpoints;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.train.Objective;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.run.RunFactory;
import dev.terrain.ops.run.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The trained network u and the exact solution u* on a line through the domain: the whole interval in
 * 1D; in d dimensions the segment along the first coordinate with the others held off the centre
 * ({@link #HELD_AT}). The model is built from the run's {@code config.conf} exactly as the run built it
 * (its dtype; on the CPU), with the final parameters ({@code parameters.json}) of a completed run, or
 * the newest good checkpoint's otherwise.
 *
 * @param x       the first coordinate of the points
 * @param u       u[k][i]: output component k at point i
 * @param exact   u*[k][i], or null when the problem has no exact solution
 * @param where   where the line runs, for the caption
 * @param source  where the parameters came from, for the caption
 */
record SolutionLine(double[] x, double[][] u, double[][] exact, int dim, String where, String source) {
    static final int POINTS = 400;

    /** |u − u*| at each point of component k. */
    double[] error(int k) {
        double[] e = new double[x.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.abs(u[k][i] - exact[k][i]);
        }
        return e;
    }

    /**
     * Evaluates the run's network on the line, or returns empty when the run has no parameters to load
     * (no {@code parameters.json} and no checkpoint).
     *
     * @param settings the run's settings, from its {@code config.conf} ({@link #settings})
     * @throws dev.terrain.ops.config.UserError when a parameter file does not fit the network
     */
    static Optional<SolutionLine> evaluate(Path dir, RunSettings settings, boolean completed) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Trainer trainer = RunFactory.build(settings, manager);
            Objective objective = trainer.objective();
            Optional<String> source = load(dir, objective.network().parameters(), completed);
            if (source.isEmpty()) {
                return Optional.empty();
            }
            Problem problem = objective.problem();
            Line line = line(problem.domain());
            try (NoGrad off = new NoGrad()) {
                PointSet set = objective.toDevice(Map.of("test", line.points()), manager).get("test");
                int outputs = problem.outputDim();
                double[][] u = components(objective.predict(set), outputs);
                double[][] exact = problem.exact().map(s -> components(s.at(set.x(), objective.scalars()), outputs))
                        .orElse(null);
                return Optional.of(new SolutionLine(line.x(), u, exact, problem.domain().dim(), line.where(), source.get()));
            }
        }
    }

    /** The settings of the run in {@code dir} from its configuration text, validated as the run validated them. */
    static RunSettings settings(Path dir, String config) {
        return SettingsLoader.loadText(config, Map.of(), dir.resolve("config.conf").toString(),
                dir.toAbsolutePath().normalize().getFileName().toString());
    }

    /** Loads the parameters into {@code params}; returns where they came from, or empty when there are none. */
    private static Optional<String> load(Path dir, Parameters params, boolean completed) {
        Path finals = dir.resolve("parameters.json");
        if (completed && Files.isRegularFile(finals)) {
            TrainingRun.loadParameters(finals, params);
            return Optional.of("final parameters (parameters.json)");
        }
        Optional<Checkpoints.Loaded> newest = new Checkpoints(dir, 1).newest();
        if (newest.isPresent()) {
            params.load(newest.get().checkpoint().parameters());
            return Optional.of("checkpoint " + newest.get().file().getFileName() + " (step "
                    + newest.get().checkpoint().step() + ")");
        }
        if (Files.isRegularFile(finals)) {
            TrainingRun.loadParameters(finals, params);
            return Optional.of("parameters.json");
        }
        return Optional.empty();
    }

    private record Line(double[] x, HostPoints points, String where) {}

    /**
     * Where the other coordinates are held, as a fraction of their range: off the centre, because
     * symmetric problems often have a zero line there (paper 001's Helmholtz solution sin(πx) sin(4πy)
     * vanishes on y = 0), which would say nothing about the fit.
     */
    static final double HELD_AT = 0.3;

    private static Line line(Domain domain) {
        int d = domain.dim();
        double[] held = new double[d];
        double lo;
        double hi;
        if (domain instanceof Domain.Box box) {
            for (int k = 0; k < d; k++) {
                held[k] = box.lo()[k] + HELD_AT * (box.hi()[k] - box.lo()[k]);
            }
            lo = box.lo()[0];
            hi = box.hi()[0];
        } else {
            Domain.Ball ball = (Domain.Ball) domain;
            for (int k = 1; k < d; k++) {
                // Inside the ball for the whole segment's middle: |held| = 0.3 r / sqrt(d - 1) per coordinate.
                held[k] = HELD_AT * ball.radius() / Math.sqrt(d - 1);
            }
            double reach = Math.sqrt(Math.max(0, ball.radius() * ball.radius() - sumSquares(held)));
            lo = -reach;
            hi = reach;
        }
        double[] x = new double[POINTS];
        double[] points = new double[POINTS * d];
        for (int i = 0; i < POINTS; i++) {
            x[i] = lo + (hi - lo) * i / (POINTS - 1);
            System.arraycopy(held, 0, points, i * d, d);
            points[i * d] = x[i];
        }
        double[] w = new double[POINTS];
        Arrays.fill(w, (hi - lo) / POINTS);
        String where = d == 1
                ? String.format(Locale.ROOT, "the whole interval [%s, %s]", ContourPlot.fmt(lo), ContourPlot.fmt(hi))
                : String.format(Locale.ROOT, "the segment x1 ∈ [%s, %s] with %s held at (%s)",
                        ContourPlot.fmt(lo), ContourPlot.fmt(hi), d == 2 ? "x2" : "x2 … x" + d,
                        centreText(Arrays.copyOfRange(held, 1, d)));
        return new Line(x, new HostPoints(POINTS, d, points, w), where);
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static String centreText(double[] c) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < c.length; k++) {
            b.append(k == 0 ? "" : ", ").append(ContourPlot.fmt(c[k]));
        }
        return b.toString();
    }

    /** An [n, outputs] array as outputs rows of n values, in float64 on the host. */
    private static double[][] components(NDArray a, int outputs) {
        double[] flat = a.toType(DataType.FLOAT64, false).toDoubleArray();
        int n = flat.length / outputs;
        double[][] out = new double[outputs][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < outputs; k++) {
                out[k][i] = flat[i * outputs + k];
            }
        }
        return out;
    }
}
