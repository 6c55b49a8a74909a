package dev.terrain.ops.reproduce;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.train.Objective;
import dev.terrain.ops.report.ComparisonCharts.Chart;
import dev.terrain.ops.report.ComparisonCharts.Curve;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Paper 003 (Mema, Wang, Knap: Deep Ritz with Fourier feature mapping for microstructure), section 4: the
 * Deep Ritz method (DRM) minimises I(u) = ∫ W + λ ∫_∂D u² ds (eq. (4), λ = 500) with the input passed
 * through a Fourier feature map δ (Fig. 2). Reproduces
 * <ul>
 *   <li>§4.1, Fig. 3(b): eq. (15), W = (u_x² − 1)² on (0, 1), plain DRM (no features): one transition
 *       between the wells u_x = ±1 (5, 7 and 9 hidden layers);</li>
 *   <li>§4.1, Fig. 4: eq. (15) with δ(x) = [sin 2^iπx, cos 2^iπx]: 4 transitions at 4π (i = 2), 8 at 8π
 *       (i = 3), 32 at 16π (i = 4) for 5 and 7 hidden layers (16 for 9); "increasing the frequency of
 *       the Fourier mapping increases the number of transitions";</li>
 *   <li>§4.3, Fig. 8: eq. (18), W = u_x² + (u_y² − 1)² on (0, 1)², δ(x) = [x, sin 2^iπx, cos 2^iπx],
 *       3 × 128 network with σ(z) = √(z² + ρ²), ρ = 0.1: 4, 8, 15 and 32 transitions of u_y at 2π, 4π,
 *       8π and 16π;</li>
 *   <li>the energies: the paper prints none; it states the minimum I = 0 of (15) (attained by every
 *       Lipschitz u with u_x = ±1 a.e.) and that the infimum 0 of (18) is not attained. Terrain's energies
 *       are compared with those and with I(u = 0) = 1 (both problems).</li>
 * </ul>
 *
 * <p><b>Transitions.</b> The derivative across the wells (u_x in 1D; u_y in 2D, along the vertical lines
 * x = 0.25, 0.5, 0.75, the median of the three counts) is evaluated on {@value #LINE_POINTS} midpoints of a
 * uniform grid. A point is labelled +1 where the derivative is ≥ {@value #THRESHOLD}, −1 where it is ≤
 * −{@value #THRESHOLD} (half-way to the wells ±1) and left unlabelled in between; runs of equal labels
 * (unlabelled points skipped) narrower than {@value #MIN_PHASE} of the line, i.e. {@value #MIN_RUN}
 * labelled points, are dropped as noise; a transition is a change of label between consecutive remaining
 * runs, so it counts the phase boundaries inside the interval: u_x of a sawtooth with k phases has k − 1
 * (a periodic one with two transitions per period P times over has 2P − 1 or 2P, by where its phase
 * starts; the paper does not say how it counted). A count matches the paper's within 10 % (exactly, for counts below 10) and is close within a factor
 * 2 (counts are small integers; the default factor 10 would call 4 and 35 close).
 *
 * <p><b>Energies.</b> ∫W by the midpoint rule on {@value #LINE_POINTS} points (1D) or
 * {@value #GRID_2D}² points (2D); the boundary term λ ∫_∂D u² ds at x = 0, 1 (1D) or on
 * {@value #LINE_POINTS} midpoints per edge (2D).
 *
 * <p><b>Settings.</b> The paper trains 100 000 (1D) and 300 000 (2D) Adam steps at rate 1e-4 with cosine
 * annealing to 0; that is hours on 2 CPU cores. Terrain trains 4 000 (1D) and 5 000 (2D) steps at rate
 * 1e-3 with the same annealing, 5 × 128 ReLU layers in 1D (the paper's shallowest for (15); it also ran 7
 * and 9), the paper's 3 × 128 smooth-abs network and 600 interior + 400 boundary points in 2D. The paper
 * states no initialisation; the networks are initialised as {@code torch.nn.Linear} does
 * ({@code network.init = torch-default}: weights and biases uniform in ±1/√fan_in). With He-normal
 * initialisation the initial u_x already oscillates at many scales and training keeps many more
 * transitions: the full run shows it in one row.
 */
final class Paper003FourierRitz implements Experiment {
    static final String ID = "003-fourier-ritz";
    static final int LINE_POINTS = 2000;
    static final int GRID_2D = 200;
    static final double THRESHOLD = 0.5;
    static final double MIN_PHASE = 0.005;
    static final int MIN_RUN = 10;
    private static final double[] LINES_2D = {0.25, 0.5, 0.75};
    /** Fig. 4: transitions at i = 2, 3, 4 (5 and 7 hidden layers); i = 1 is not reported for (15). */
    private static final Map<Integer, Integer> FIG4 = Map.of(2, 4, 3, 8, 4, 32);
    /** Fig. 8: transitions of u_y at i = 1, 2, 3, 4. */
    private static final Map<Integer, Integer> FIG8 = Map.of(1, 4, 2, 8, 3, 15, 4, 32);
    private static final int FIG3_PLAIN = 1;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String paper() {
        return "003";
    }

    @Override
    public String title() {
        return "Deep Ritz with Fourier features: transitions between the wells vs feature frequency, eqs. (15) and (18) (Figs. 3, 4, 8)";
    }

    @Override
    public double minutes(boolean quick) {
        return quick ? 1 : 10;
    }

    /** What a full or quick run does. */
    private record Plan(int[] exponents1d, long steps1d, boolean extras1d, int[] exponents2d, long steps2d) {}

    private static Plan plan(boolean quick) {
        return quick ? new Plan(new int[] {1, 3}, 1200, false, new int[] {1, 3}, 500)
                : new Plan(new int[] {1, 2, 3, 4}, 4000, true, new int[] {1, 2, 3, 4}, 5000);
    }

    /**
     * One trained network: {@code exponent} i of the features (0: none), its transition count (1D) or
     * the counts along the lines x = 0.25, 0.5, 0.75 (2D), energy ∫W and its parts, the boundary term, u
     * along the line the chart draws.
     */
    private record Run(int exponent, String init, int transitions, int[] lineCounts, double energy, double[] parts,
            double boundary, double[] x, double[] u, double seconds) {
        double total() {
            return energy + boundary;
        }

        String frequency() {
            return exponent == 0 ? "no features" : freq(exponent);
        }
    }

    @Override
    public Outcome run(Lab lab, boolean quick) {
        Plan p = plan(quick);
        String command = "./terrain reproduce " + ID + (quick ? " --quick" : "");
        List<Row> rows = new ArrayList<>();
        List<Run> oneD = new ArrayList<>();
        for (int i : p.exponents1d()) {
            oneD.add(train1d(lab, p, i, false));
        }
        Run plain = p.extras1d() ? train1d(lab, p, 0, false) : null;
        Run he = p.extras1d() ? train1d(lab, p, 2, true) : null;
        List<Run> twoD = new ArrayList<>();
        for (int i : p.exponents2d()) {
            twoD.add(train2d(lab, p, i));
        }
        String s1 = settings1d(p);
        String s2 = settings2d(p);
        String b1 = String.format(Locale.ROOT, "%,d of the paper's 100,000 steps", p.steps1d());
        String b2 = String.format(Locale.ROOT, "%,d of the paper's 300,000 steps", p.steps2d());
        if (plain != null) {
            rows.add(countRow("§4.1, Fig. 3(b): eq. (15), transitions of u_x without Fourier features", FIG3_PLAIN,
                    "(5, 7 and 9 hidden layers)", plain, 1, b1, "", s1.replace("[sin 2^iπx, cos 2^iπx] → ", "no features; "),
                    command));
        }
        for (Run r : oneD) {
            Integer paper = FIG4.get(r.exponent());
            if (paper != null) {
                rows.add(countRow("§4.1, Fig. 4: eq. (15), transitions of u_x at " + freq(r.exponent()), paper,
                        r.exponent() == 4 ? "(5 and 7 hidden layers; 16 with 9)" : "(5, 7 and 9 hidden layers)", r,
                        periods(r.exponent()), b1, "", s1 + ", i = " + r.exponent(), command));
            }
        }
        if (he != null) {
            // The same run from Terrain's example initialisation: how much the count owes to the start.
            rows.add(countRow("§4.1, Fig. 4: eq. (15), transitions of u_x at 4π, He-normal initialisation", FIG4.get(2),
                    "(5, 7 and 9 hidden layers; initialisation not stated)", he, periods(2), b1,
                    "; from the torch.nn.Linear start the same run has " + at(oneD, 2).transitions() + " transitions",
                    s1.replace("init U(±1/√fan_in) as torch.nn.Linear", "init He-normal")
                            + ", i = 2",
                    command));
        }
        rows.add(rise1d(oneD, s1, command));
        rows.add(energy1d(oneD, s1, command));
        for (Run r : twoD) {
            rows.add(countRow("§4.3, Fig. 8: eq. (18), transitions of u_y at " + freq(r.exponent()), FIG8.get(r.exponent()),
                    "", r, periods(r.exponent()), b2, "", s2 + ", i = " + r.exponent(), command));
        }
        rows.add(rise2d(twoD, s2, command));
        rows.add(energy2d(twoD, b2, s2, command));
        List<Run> shown1d = new ArrayList<>();
        if (plain != null) {
            shown1d.add(plain);
        }
        shown1d.addAll(oneD);
        return new Outcome(rows, charts(oneD, twoD, shown1d), List.of(
                "A transition is a change of sign of u_x (1D) or u_y (2D) between the wells ±1: labels ±1 where the derivative "
                        + "is beyond ±1/2, phases narrower than 0.005 of the line dropped as noise; in 2D the median over the lines "
                        + "x = 0.25, 0.5, 0.75 (the paper sees needles near x = 0 and 1).",
                "A count matches the paper's within 10 % and is close within a factor 2.",
                "The paper prints no energy values; it states the minimum 0 of (15) and the infimum 0 of (18). u = 0 has I = 1 in both.",
                "The networks are initialised as torch.nn.Linear does (U(±1/√fan_in) weights and biases); the paper does not state "
                        + "its initialisation."));
    }

    private static String settings1d(Plan p) {
        return String.format(Locale.ROOT, "eq. (15), λ = 500; [sin 2^iπx, cos 2^iπx] → 5 × 128 ReLU (paper also 7, 9), "
                + "init U(±1/√fan_in) as torch.nn.Linear; Adam 1e-3 (paper 1e-4) cosine to 0, %,d steps (paper 100,000) "
                + "of 128 uniform points; float32", p.steps1d());
    }

    private static String settings2d(Plan p) {
        return String.format(Locale.ROOT, "eq. (18), λ = 500 on ∫_∂Ω u² ds; [x, sin 2^iπx, cos 2^iπx] → 3 × 128 √(z² + 0.01), "
                + "init U(±1/√fan_in) as torch.nn.Linear; Adam 1e-3 (paper 1e-4) cosine to 0, %,d steps (paper 300,000) "
                + "of 600 interior + 400 boundary uniform points; float32", p.steps2d());
    }

    private Run train1d(Lab lab, Plan p, int exponent, boolean heInit) {
        long t0 = System.nanoTime();
        Map<String, String> o = new HashMap<>(Map.of("network.layers", "[128, 128, 128, 128, 128]",
                "network.fourier.exponents", exponent == 0 ? "[]" : "[" + exponent + "]",
                "network.init", heInit ? "he-normal" : "torch-default",
                "optimizer.lr", "1.0e-3", "train.steps", Long.toString(p.steps1d())));
        lab.say(String.format(Locale.ROOT, "%s: eq. (15), %s%s, %d steps", ID, exponent == 0 ? "no features" : freq(exponent) + " features",
                heInit ? ", He-normal init" : "", p.steps1d()));
        try (Model m = lab.model(lab.settings("energy1d-fourier.conf", o))) {
            m.train(p.steps1d());
            Objective obj = m.trainer().objective();
            double[] x = new double[LINE_POINTS];
            for (int k = 0; k < LINE_POINTS; k++) {
                x[k] = (k + 0.5) / LINE_POINTS;
            }
            double[][] jet = evaluate(obj, x, 1);
            double[] ux = jet[1];
            double energy = 0;
            for (double v : ux) {
                energy += (v * v - 1) * (v * v - 1) / LINE_POINTS;
            }
            double[] ends = evaluate(obj, new double[] {0, 1}, 1)[0];
            double boundary = 500 * (ends[0] * ends[0] + ends[1] * ends[1]);
            int n = transitions(ux);
            return new Run(exponent, heInit ? "he-normal" : "torch", n, new int[] {n}, energy, new double[] {energy}, boundary,
                    x, jet[0], (System.nanoTime() - t0) / 1e9);
        }
    }

    private Run train2d(Lab lab, Plan p, int exponent) {
        long t0 = System.nanoTime();
        Map<String, String> o = new HashMap<>(Map.of("problem.id", "energy-2d", "network.activation", "smooth-abs",
                "network.init", "torch-default",
                "network.fourier.exponents", "[" + exponent + "]", "network.fourier.includeInput", "true",
                "optimizer.lr", "1.0e-3", "train.steps", Long.toString(p.steps2d()),
                "sampling.sets.interior.points", "600", "sampling.sets.boundary.points", "400"));
        lab.say(String.format(Locale.ROOT, "%s: eq. (18), %s features, %d steps", ID, freq(exponent), p.steps2d()));
        try (Model m = lab.model(lab.settings("energy1d-fourier.conf", o))) {
            m.train(p.steps2d());
            Objective obj = m.trainer().objective();
            // Counts along vertical lines: u_y across the bands.
            int[] counts = new int[LINES_2D.length];
            double[] y = new double[LINE_POINTS];
            for (int k = 0; k < LINE_POINTS; k++) {
                y[k] = (k + 0.5) / LINE_POINTS;
            }
            double[] middle = null;
            for (int l = 0; l < LINES_2D.length; l++) {
                double[] pts = new double[2 * LINE_POINTS];
                for (int k = 0; k < LINE_POINTS; k++) {
                    pts[2 * k] = LINES_2D[l];
                    pts[2 * k + 1] = y[k];
                }
                double[][] jet = evaluate(obj, pts, 2);
                counts[l] = transitions(jet[2]);
                if (LINES_2D[l] == 0.5) {
                    middle = jet[0];
                }
            }
            // Energy ∫ u_x² + (u_y² − 1)² on the midpoint grid, and λ ∫_∂Ω u² ds on the four edges.
            double[] pts = new double[2 * GRID_2D * GRID_2D];
            for (int a = 0; a < GRID_2D; a++) {
                for (int b = 0; b < GRID_2D; b++) {
                    int k = a * GRID_2D + b;
                    pts[2 * k] = (a + 0.5) / GRID_2D;
                    pts[2 * k + 1] = (b + 0.5) / GRID_2D;
                }
            }
            double[][] jet = evaluate(obj, pts, 2);
            double gradX = 0;
            double wells = 0;
            for (int k = 0; k < jet[0].length; k++) {
                double ux = jet[1][k];
                double uy = jet[2][k];
                gradX += ux * ux / jet[0].length;
                wells += (uy * uy - 1) * (uy * uy - 1) / jet[0].length;
            }
            double[] edge = new double[2 * 4 * LINE_POINTS];
            for (int e = 0; e < 4; e++) {
                for (int k = 0; k < LINE_POINTS; k++) {
                    int at = 2 * (e * LINE_POINTS + k);
                    double s = (k + 0.5) / LINE_POINTS;
                    edge[at] = e < 2 ? e : s;
                    edge[at + 1] = e < 2 ? s : e - 2;
                }
            }
            double boundary = 0;
            for (double v : evaluate(obj, edge, 2)[0]) {
                boundary += 500 * v * v / LINE_POINTS;
            }
            int[] sorted = counts.clone();
            Arrays.sort(sorted);
            return new Run(exponent, "torch", sorted[sorted.length / 2], counts, gradX + wells, new double[] {gradX, wells},
                    boundary, y, middle, (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * u and its first derivatives at the points {@code x} (row-major [n, dim]): {u, u_x1, …, u_xdim}, each n
     * values in float64, evaluated in chunks in a manager of their own.
     */
    private static double[][] evaluate(Objective obj, double[] x, int dim) {
        int n = x.length / dim;
        double[][] out = new double[dim + 1][n];
        int chunk = 10_000;
        try (NDManager manager = obj.network().parameters().manager().newSubManager(); NoGrad off = new NoGrad()) {
            for (int from = 0; from < n; from += chunk) {
                int m = Math.min(chunk, n - from);
                double[] part = Arrays.copyOfRange(x, from * dim, (from + m) * dim);
                double[] w = new double[m];
                Arrays.fill(w, 1.0 / n);
                // The jets' arrays belong to the network's manager (their first operand's): the scope frees them.
                try (NDManager sub = manager.newSubManager(); NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    PointSet set = obj.toDevice(Map.of("line", new HostPoints(m, dim, part, w)), sub).get("line");
                    Jet jet = obj.solution(set, 1);
                    System.arraycopy(host(jet.value()), 0, out[0], from, m);
                    for (int k = 0; k < dim; k++) {
                        System.arraycopy(host(jet.d1(k)), 0, out[k + 1], from, m);
                    }
                }
            }
        }
        return out;
    }

    private static double[] host(ai.djl.ndarray.NDArray a) {
        return a.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /**
     * Transitions between the wells of a derivative sampled on a uniform grid (see the class comment):
     * labels ±1 beyond ±{@value #THRESHOLD}, runs of fewer than {@value #MIN_RUN} labelled points dropped,
     * changes of label between the remaining runs counted.
     */
    static int transitions(double[] derivative) {
        List<int[]> runs = new ArrayList<>();
        int sign = 0;
        int length = 0;
        for (double v : derivative) {
            int s = v >= THRESHOLD ? 1 : v <= -THRESHOLD ? -1 : 0;
            if (s == 0) {
                continue;
            }
            if (s == sign) {
                length++;
            } else {
                if (length > 0) {
                    runs.add(new int[] {sign, length});
                }
                sign = s;
                length = 1;
            }
        }
        if (length > 0) {
            runs.add(new int[] {sign, length});
        }
        int changes = 0;
        int last = 0;
        for (int[] r : runs) {
            if (r[1] < MIN_RUN) {
                continue;
            }
            if (last != 0 && r[0] != last) {
                changes++;
            }
            last = r[0];
        }
        return changes;
    }

    /** Periods of sin 2^iπx on the unit interval: 2^(i − 1). */
    private static double periods(int exponent) {
        return Math.pow(2, exponent - 1);
    }

    private static String freq(int exponent) {
        return (1 << exponent) + "π";
    }

    /** Counts are small integers: match within 10 % (exact below 10), close within a factor 2. */
    static Verdict countVerdict(int paper, int terrain) {
        Verdict v = Verdict.ofValue(paper, terrain, 1.1);
        return v == Verdict.CLOSE && Math.max((double) terrain / paper, (double) paper / terrain) > 2 ? Verdict.DIFFERS : v;
    }

    private static Row countRow(String result, int paper, String paperNote, Run r, double periods, String budget, String extra,
            String settings, String command) {
        Verdict v = countVerdict(paper, r.transitions());
        String why = "";
        if (v != Verdict.MATCHES) {
            boolean twoD = r.lineCounts().length > 1;
            String per = r.exponent() == 0 ? ""
                    : String.format(Locale.ROOT, "; %.1f per period of the features against the paper's %.1f",
                            r.transitions() / periods, paper / periods);
            String lines = twoD ? "; lines x = 0.25, 0.5, 0.75: " + Arrays.stream(r.lineCounts())
                    .mapToObj(Integer::toString).collect(Collectors.joining(", ")) : "";
            why = r.transitions() == 0
                    ? String.format(Locale.ROOT, "The derivative never stays beyond ±%.1f for %d points of the line after %s: no bands "
                            + "formed (energy %s).", THRESHOLD, MIN_RUN, budget, Paper000Poisson1d.sci(r.energy()))
                    : String.format(Locale.ROOT, "Terrain's %s passes through %d phases of the wells, %d sign changes inside the "
                            + "interval (%s%s%s), energy %s after %s.", twoD ? "u_y (median line)" : "u_x", r.transitions() + 1,
                            r.transitions(), per.isEmpty() ? "" : per.substring(2), lines, extra, Paper000Poisson1d.sci(r.energy()),
                            budget);
        }
        String terrain = r.transitions() + (r.lineCounts().length > 1 ? " (x = 0.25, 0.5, 0.75: " + Arrays.stream(r.lineCounts())
                .mapToObj(Integer::toString).collect(Collectors.joining(", ")) + ")" : "");
        return new Row(ID, "003", result, paper + (paperNote.isEmpty() ? "" : " " + paperNote), terrain, v, why, settings,
                r.seconds(), command, null, null);
    }

    private static String sequence(List<Run> runs) {
        return runs.stream().map(r -> r.transitions() + " (" + r.frequency() + ")").collect(Collectors.joining(" → "));
    }

    private static boolean rising(List<Run> runs) {
        for (int k = 1; k < runs.size(); k++) {
            if (runs.get(k).transitions() <= runs.get(k - 1).transitions()) {
                return false;
            }
        }
        return true;
    }

    private static Run at(List<Run> runs, int exponent) {
        return runs.stream().filter(r -> r.exponent() == exponent).findFirst().orElseThrow();
    }

    private static double seconds(List<Run> runs) {
        return runs.stream().mapToDouble(Run::seconds).sum();
    }

    private static Row rise1d(List<Run> oneD, String settings, String command) {
        boolean rises = rising(oneD);
        Run low = at(oneD, 1);
        Run high = at(oneD, 3);
        return new Row(ID, "003", "§4.1, Fig. 4: eq. (15), transitions rise with the feature frequency",
                "4 (4π) → 8 (8π) → 32 (16π)", sequence(oneD), rises ? Verdict.MATCHES : Verdict.DIFFERS,
                rises ? "" : "The counts do not rise at every step of the frequency: " + sequence(oneD) + ".",
                settings, seconds(oneD), command, "transitions of u_x at 8π > at 2π (eq. (15))",
                high.transitions() > low.transitions());
    }

    private static Row energy1d(List<Run> oneD, String settings, String command) {
        double worst = oneD.stream().mapToDouble(Run::energy).max().orElse(Double.NaN);
        double worstTotal = oneD.stream().mapToDouble(Run::total).max().orElse(Double.NaN);
        Verdict v = Verdict.ofDifference(0, worst, 0.01);
        String values = oneD.stream().map(r -> Paper000Poisson1d.sci(r.energy()) + " (" + r.frequency() + ")")
                .collect(Collectors.joining(", "));
        String terrain = values + String.format(Locale.ROOT, "; with the penalty at most %s", Paper000Poisson1d.sci(worstTotal));
        return new Row(ID, "003", "§4: eq. (15), energy I(u) = ∫(u_x² − 1)² of the trained networks",
                "0 (the minimum, attained by every u with u_x = ±1 a.e.; no value printed)", terrain, v,
                v == Verdict.DIFFERS ? String.format(Locale.ROOT, "The largest energy, %s, is more than 0.1 of I(u = 0) = 1: "
                        + "the transitions are not yet sharp after this many steps.", Paper000Poisson1d.sci(worst)) : "",
                settings + "; match within 0.01 of I(u = 0) = 1", seconds(oneD), command,
                "I(u) + penalty < I(0) = 1 at every frequency (eq. (15))", worstTotal < 1);
    }

    private static Row rise2d(List<Run> twoD, String settings, String command) {
        boolean rises = rising(twoD);
        Run low = at(twoD, 1);
        Run high = at(twoD, 3);
        Verdict v = rises ? Verdict.MATCHES : high.transitions() > low.transitions() ? Verdict.CLOSE : Verdict.DIFFERS;
        return new Row(ID, "003", "§4.3, Fig. 8: eq. (18), transitions rise with the feature frequency",
                "4 (2π) → 8 (4π) → 15 (8π) → 32 (16π)", sequence(twoD), v,
                v == Verdict.MATCHES ? "" : "The counts do not rise at every step of the frequency: " + sequence(twoD)
                        + (v == Verdict.CLOSE ? " (8π still has more than 2π)." : "."),
                settings, seconds(twoD), command, "transitions of u_y at 8π > at 2π (eq. (18))",
                high.transitions() > low.transitions());
    }

    private static Row energy2d(List<Run> twoD, String budget, String settings, String command) {
        Run best = twoD.stream().min((a, b) -> Double.compare(a.energy(), b.energy())).orElseThrow();
        double worstTotal = twoD.stream().mapToDouble(Run::total).max().orElse(Double.NaN);
        Verdict v = Verdict.ofDifference(0, best.energy(), 0.01);
        String values = twoD.stream().map(r -> Paper000Poisson1d.sci(r.energy()) + " (" + r.frequency() + ")")
                .collect(Collectors.joining(", "));
        String why = v == Verdict.MATCHES ? "" : String.format(Locale.ROOT, "At the lowest energy (%s) the wells' term "
                + "∫(u_y² − 1)² is %s and ∫u_x² %s after %s: the bands are not sharp, and the infimum is approached only as "
                + "they refine without bound.", best.frequency(), Paper000Poisson1d.sci(best.parts()[1]),
                Paper000Poisson1d.sci(best.parts()[0]), budget);
        return new Row(ID, "003", "§4.3: eq. (18), energy I(u) = ∫u_x² + (u_y² − 1)² of the trained networks",
                "infimum 0, not attained (no value printed)",
                values + String.format(Locale.ROOT, "; with the penalty at most %s", Paper000Poisson1d.sci(worstTotal)), v, why,
                settings + "; match within 0.01 of I(u = 0) = 1", seconds(twoD), command,
                "I(u) + penalty < I(0) = 1 at every frequency (eq. (18))", worstTotal < 1);
    }

    private static List<Chart> charts(List<Run> oneD, List<Run> twoD, List<Run> shown1d) {
        List<Chart> charts = new ArrayList<>();
        double[] f1 = oneD.stream().mapToDouble(r -> 1 << r.exponent()).toArray();
        double[] f2 = twoD.stream().mapToDouble(r -> 1 << r.exponent()).toArray();
        charts.add(new Chart("transitions-vs-frequency", "Transitions between the wells vs feature frequency 2^i π",
                "feature frequency / π", "transitions", false, List.of(
                        new Curve("Terrain eq. (15), u_x", f1, oneD.stream().mapToDouble(Run::transitions).toArray(), false),
                        new Curve("Terrain eq. (18), u_y", f2, twoD.stream().mapToDouble(Run::transitions).toArray(), false),
                        new Curve("paper eq. (15), Fig. 4", new double[] {4, 8, 16}, new double[] {4, 8, 32}, true),
                        new Curve("paper eq. (18), Fig. 8", new double[] {2, 4, 8, 16}, new double[] {4, 8, 15, 32}, true))));
        List<Curve> u1 = new ArrayList<>();
        for (Run r : shown1d) {
            u1.add(new Curve(r.frequency(), r.x(), r.u(), false));
        }
        charts.add(new Chart("fig4-u-1d", "Eq. (15): the trained u along x (Figs. 3(a), 4)", "x", "u", false, u1));
        List<Curve> u2 = new ArrayList<>();
        for (Run r : twoD) {
            u2.add(new Curve(r.frequency(), r.x(), r.u(), false));
        }
        charts.add(new Chart("fig8-u-2d", "Eq. (18): the trained u along x = 0.5 (across the bands of Fig. 8)", "y", "u", false, u2));
        return charts;
    }
}
