package dev.terrain.ops.reproduce;

import dev.terrain.model.probe.LossSurface;
import dev.terrain.ops.report.ComparisonCharts.Chart;
import dev.terrain.ops.report.ContourPlot;
import dev.terrain.ops.report.ComparisonCharts.Curve;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Paper 000 (Roughness Index), section IV.A: −u″ = π² sin πx on (0,1), u = x(x−1)·NN(x), ResNet with one
 * block, swish, Simpson's rule on N = 200 points, 10 000 steps in float64, the DGM loss J_G and the Deep
 * Ritz loss J_R from the same initial parameters. Reproduces
 * <ul>
 *   <li>Table I: J_G and J_R at θ_G, θ_R and θ̃_G (w = 4);</li>
 *   <li>Table III: rel-L2 of u(·; θ_G) and u(·; θ_R) over widths 2–6;</li>
 *   <li>Table VII: RI_DGM at θ_G and RI_DRM at θ_R over widths (l = 0.02, M = m = 100);</li>
 *   <li>Table IX: RI of both losses at θ_G, θ_R and θ̃_G, where θ̃_G minimises J_G from θ_R (w = 4, l = 0.01);</li>
 *   <li>Fig. 3: the 2D loss surfaces around θ_G and θ_R (contours, and their local minima counted);</li>
 *   <li>Fig. 5: RI along both training paths (l = 0.01, M = 50, m = 10) and where they cross.</li>
 * </ul>
 * The paper does not state its optimiser's settings; Terrain uses its examples' Adam with a cosine decay
 * from 1e-2 to 1e-5 ({@code examples/poisson1d-dgm.conf}, {@code poisson1d-drm.conf}).
 */
final class Paper000Poisson1d implements Experiment {
    static final String ID = "000-poisson1d";
    private static final double[] III_DGM = {5.21e-2, 1.81e-2, 7.12e-4, 8.01e-8, 8.31e-8};
    private static final double[] III_DRM = {1.64e-3, 9.48e-4, 7.63e-4, 7.76e-4, 6.75e-6};
    private static final double[] VII_DGM = {0.0356, 0.0289, 0.0216, 0.0266, 0.0208};
    private static final double[] VII_DRM = {0.0843, 0.2389, 0.0890, 0.0992, 0.0481};
    /** Table IX rows θ_G, θ_R, θ̃_G; columns RI_DGM, RI_DRM. */
    private static final double[][] IX = {{0.0127, 0.1525}, {0.1448, 0.1732}, {0.0153, 0.1660}};
    /** Table I: J_G and J_R at θ_G, θ_R, θ̃_G. */
    private static final double[] I_JG = {5.9933e-05, 0.1044, 5.7418e-05};
    private static final double[] I_JR = {-2.4715, -2.4716, -2.4715};
    private static final long FIG5_CROSSING = 2000;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String paper() {
        return "000";
    }

    @Override
    public String title() {
        return "1D Poisson, DGM vs DRM: Tables I, III, VII, IX and the RI along the training path (Fig. 5)";
    }

    @Override
    public double minutes(boolean quick) {
        return quick ? 0.5 : 10;
    }

    /** What a full or quick run does. */
    private record Plan(int[] widths, long steps, int riM, int riMm, int pathM, int pathMm, long pathEvery) {
        String trainSettings(int width) {
            return String.format(Locale.ROOT, "ResNet 1 block, width %d, swish; Simpson N = 200; Adam 1e-2 cosine to 1e-5, %,d steps, float64",
                    width, steps);
        }
    }

    private static Plan plan(boolean quick) {
        return quick ? new Plan(new int[] {2, 4}, 1500, 30, 30, 20, 10, 300)
                : new Plan(new int[] {2, 3, 4, 5, 6}, 10_000, 100, 100, 50, 10, 500);
    }

    /** One width's two trained models' results. */
    private record Width(int w, double relG, double relR, double riG, double riR, double seconds) {}

    @Override
    public Outcome run(Lab lab, boolean quick) {
        Plan p = plan(quick);
        String command = "./terrain reproduce " + ID + (quick ? " --quick" : "");
        List<Row> rows = new ArrayList<>();
        List<Width> widths = new ArrayList<>();
        Map<Long, double[]> path = new LinkedHashMap<>();
        double[][] ix = new double[3][2];
        double[][] tableI = new double[3][2];
        double ixSeconds = 0;
        LossSurface.Result[] surfaces = new LossSurface.Result[2];
        for (int w : p.widths()) {
            long t0 = System.nanoTime();
            boolean paperPoint = w == 4;
            Map<String, String> o = Map.of("network.width", Integer.toString(w), "train.steps", Long.toString(p.steps()));
            try (Model g = lab.model(lab.settings("poisson1d-dgm.conf", o));
                    Model r = lab.model(lab.settings("poisson1d-drm.conf", o))) {
                lab.say(String.format(Locale.ROOT, "%s: width %d, DGM and DRM, %d steps", ID, w, p.steps()));
                if (paperPoint) {
                    g.train(p.steps(), p.pathEvery(), s -> path.computeIfAbsent(s, k -> new double[2])[0] =
                            g.roughness(p.pathM(), p.pathMm(), 0.01, 1).ri());
                    r.train(p.steps(), p.pathEvery(), s -> path.computeIfAbsent(s, k -> new double[2])[1] =
                            r.roughness(p.pathM(), p.pathMm(), 0.01, 1).ri());
                } else {
                    g.train(p.steps());
                    r.train(p.steps());
                }
                double riG = g.roughness(p.riM(), p.riMm(), 0.02, 1).ri();
                double riR = r.roughness(p.riM(), p.riMm(), 0.02, 1).ri();
                widths.add(new Width(w, g.relL2(), r.relL2(), riG, riR, (System.nanoTime() - t0) / 1e9));
                if (paperPoint) {
                    surfaces[0] = g.surface(41, 0.01, 1);
                    surfaces[1] = r.surface(41, 0.01, 1);
                    double[] thetaG = g.theta();
                    double[] thetaR = r.theta();
                    // θ̃_G: minimise J_G from θ_R, with a fresh optimiser, as long as θ_G was trained.
                    try (Model tilde = lab.model(lab.settings("poisson1d-dgm.conf", o))) {
                        tilde.load(thetaR).train(p.steps());
                        double[] thetaTilde = tilde.theta();
                        double[][] points = {thetaG, thetaR, thetaTilde};
                        for (int i = 0; i < 3; i++) {
                            g.load(points[i]);
                            r.load(points[i]);
                            tableI[i][0] = g.evaluate().total();
                            tableI[i][1] = r.evaluate().total();
                            ix[i][0] = g.roughness(p.riM(), p.riMm(), 0.01, 1).ri();
                            ix[i][1] = r.roughness(p.riM(), p.riMm(), 0.01, 1).ri();
                        }
                    }
                    ixSeconds = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        tableIII(p, widths, rows, command);
        tableVII(p, widths, rows, command);
        String at4 = p.trainSettings(4) + String.format(Locale.ROOT, "; θ̃_G: J_G from θ_R, %,d steps", p.steps());
        tableI(tableI, rows, at4, ixSeconds, command);
        tableIX(ix, rows, at4 + String.format(Locale.ROOT, "; RI M = %d, m = %d, l = 0.01", p.riM(), p.riMm()),
                ixSeconds, command);
        figure5(path, rows, at4 + String.format(Locale.ROOT, "; RI M = %d, m = %d, l = 0.01 every %d steps", p.pathM(),
                p.pathMm(), p.pathEvery()), widths.stream().filter(x -> x.w() == 4).mapToDouble(Width::seconds).sum(), command);
        figure3(surfaces, rows, p.trainSettings(4) + "; 41 × 41 grid, span 0.01, filter-normalised directions (seed 1)", ixSeconds, command);
        List<Picture> pictures = List.of(contour("fig3-dgm", "Fig. 3: J_G around θ_G", surfaces[0]),
                contour("fig3-drm", "Fig. 3: J_R around θ_R", surfaces[1]));
        return new Outcome(rows, charts(widths, path), List.of(
                "θ_G and θ_R start from the same initial parameters (network.seed = 1), as in the paper.",
                "The paper's Fig. 5 is a plot without printed values; the row compares where the two RI curves cross."), pictures);
    }

    private static void tableIII(Plan p, List<Width> widths, List<Row> rows, String command) {
        for (Width w : widths) {
            int i = w.w() - 2;
            for (int loss = 0; loss < 2; loss++) {
                double paper = loss == 0 ? III_DGM[i] : III_DRM[i];
                double ours = loss == 0 ? w.relG() : w.relR();
                Verdict v = Verdict.ofValue(paper, ours, Verdict.MATCH_FACTOR);
                String why = v != Verdict.DIFFERS ? "" : ours < paper
                        ? "Terrain's run converged further than the paper's; the error at a local minimiser depends on the optimiser's schedule, which the paper does not state."
                        : "The run stops at a different local minimiser than the paper's; the error there depends on the initialisation and the optimiser's schedule, which the paper does not state.";
                rows.add(new Row(ID, "000", String.format(Locale.ROOT, "Table III, w = %d: rel-L2 of u(·; θ_%s)", w.w(),
                        loss == 0 ? "G) (DGM" : "R) (DRM"), sci(paper), sci(ours), v, why, p.trainSettings(w.w()),
                        w.seconds(), command, null, null));
            }
        }
        Width first = widths.get(0);
        Width last = widths.get(widths.size() - 1);
        boolean falls = last.relG() < first.relG();
        rows.add(new Row(ID, "000", String.format(Locale.ROOT, "Table III: the DGM's error falls from w = %d to w = %d", first.w(), last.w()),
                sci(III_DGM[first.w() - 2]) + " → " + sci(III_DGM[last.w() - 2]), sci(first.relG()) + " → " + sci(last.relG()),
                falls ? Verdict.MATCHES : Verdict.DIFFERS, falls ? "" : "The wider network ended at a worse local minimiser in this run.",
                "as the rows above", first.seconds() + last.seconds(), command,
                "rel-L2 DGM(w = " + last.w() + ") < rel-L2 DGM(w = " + first.w() + ")", falls));
    }

    private static void tableVII(Plan p, List<Width> widths, List<Row> rows, String command) {
        for (Width w : widths) {
            int i = w.w() - 2;
            Verdict v = Verdict.ofOrder(VII_DGM[i], VII_DRM[i], w.riG(), w.riR(), 3);
            boolean holds = w.riG() < w.riR();
            // Only the paper's headline width is a direction the quick check asserts; elsewhere the order
            // depends on how far training got (see the why).
            boolean checked = w.w() == 4;
            String why = holds ? "" : String.format(Locale.ROOT, "Here RI_DGM ≥ RI_DRM. Terrain's θ_R is converged %s than the paper's "
                    + "(rel-L2 %s against %s), and how rough J_R is at l = 0.02 depends on how near its minimiser θ_R lies.",
                    w.relR() < III_DRM[i] ? "further" : "less far", sci(w.relR()), sci(III_DRM[i]));
            rows.add(new Row(ID, "000", String.format(Locale.ROOT, "Table VII, w = %d: RI_DGM at θ_G < RI_DRM at θ_R", w.w()),
                    order(VII_DGM[i], VII_DRM[i]), order(w.riG(), w.riR()), v, why,
                    p.trainSettings(w.w()) + String.format(Locale.ROOT, "; RI M = %d, m = %d, l = 0.02", p.riM(), p.riMm()),
                    w.seconds(), command, checked ? "RI_DGM(θ_G) < RI_DRM(θ_R)" : null, checked ? holds : null));
        }
    }

    private static void tableI(double[][] at, List<Row> rows, String settings, double seconds, String command) {
        String[] names = {"θ_G", "θ_R", "θ̃_G"};
        for (int i = 0; i < 3; i++) {
            Verdict vg = Verdict.ofValue(I_JG[i], at[i][0], 3);
            rows.add(new Row(ID, "000", "Table I: J_G(" + names[i] + ")", sci(I_JG[i]), sci(at[i][0]), vg,
                    vg != Verdict.DIFFERS ? "" : "J_G here is as small as training made it: Terrain's " + names[i] + " is converged "
                            + (at[i][0] < I_JG[i] ? "further" : "less far") + " than the paper's (its optimiser's schedule is not stated).",
                    settings, seconds, command, null, null));
            // The paper's J_R values lie below the true minimum −π²/4 = −2.4674 by 0.004: its quadrature's error.
            Verdict vr = Verdict.ofDifference(I_JR[i], at[i][1], 0.01);
            boolean near = Math.abs(at[i][1] + Math.PI * Math.PI / 4) < 0.05;
            rows.add(new Row(ID, "000", "Table I: J_R(" + names[i] + ")", fixed(I_JR[i]), fixed(at[i][1]), vr,
                    vr != Verdict.DIFFERS ? "" : "Terrain's " + names[i] + " is not near a minimiser of J_R.",
                    settings, seconds, command, "J_R(" + names[i] + ") within 0.05 of −π²/4", near));
        }
    }

    private static void tableIX(double[][] ix, List<Row> rows, String settings, double seconds, String command) {
        String[] names = {"θ_G", "θ_R", "θ̃_G"};
        for (int i = 0; i < 3; i++) {
            Verdict v = Verdict.ofOrder(IX[i][0], IX[i][1], ix[i][0], ix[i][1], 3);
            boolean holds = ix[i][0] < ix[i][1];
            boolean checked = i != 1; // at θ_R the paper's own two values are within 20 %: no direction to check
            String why = "";
            if (v == Verdict.DIFFERS) {
                why = i == 1 ? "θ_R is not a minimiser of J_G (the paper's footnote), so RI_DGM there measures a slope, not a basin; the paper's two values are within 20 % of each other."
                        : "RI_DGM at this minimiser of J_G exceeds RI_DRM; the paper's conjecture (DGM smoother near its minimisers) does not hold at Terrain's " + names[i] + ".";
            }
            rows.add(new Row(ID, "000", "Table IX: RI_DGM < RI_DRM at " + names[i], order(IX[i][0], IX[i][1]),
                    order(ix[i][0], ix[i][1]), v, why, settings, seconds, command,
                    checked ? "RI_DGM(" + names[i] + ") < RI_DRM(" + names[i] + ")" : null, checked ? holds : null));
        }
    }

    private static void figure5(Map<Long, double[]> path, List<Row> rows, String settings, double seconds, String command) {
        // The step from which the DGM's RI stays below the DRM's along the training path.
        Long from = null;
        long last = -1;
        for (Map.Entry<Long, double[]> e : path.entrySet()) {
            last = e.getKey();
            if (e.getValue()[0] < e.getValue()[1]) {
                if (from == null) {
                    from = e.getKey();
                }
            } else {
                from = null;
            }
        }
        double[] end = path.get(last);
        boolean endHolds = end != null && end[0] < end[1];
        Verdict v = from == null ? Verdict.DIFFERS
                : Verdict.ofValue(FIG5_CROSSING, Math.max(from, 1), Verdict.MATCH_FACTOR) == Verdict.MATCHES ? Verdict.MATCHES
                : Verdict.CLOSE;
        rows.add(new Row(ID, "000", "Fig. 5: along the training path RI_DGM falls below RI_DRM and stays below",
                "from epoch ≈ " + FIG5_CROSSING, from == null ? "never (end: " + order(end[0], end[1]) + ")" : "from step " + from,
                v, from != null ? "" : "Along Terrain's path the DGM's RI does not stay below the DRM's up to the last step probed.",
                settings, seconds, command, "RI_DGM < RI_DRM at the last step of the path", endHolds));
    }

    /**
     * Fig. 3's claim, that J_R is rougher around θ_R than J_G around θ_G, counted: the strict local minima
     * of each 41 × 41 surface over its 8 neighbours (a smooth basin has one).
     */
    private static void figure3(LossSurface.Result[] s, List<Row> rows, String settings, double seconds, String command) {
        int g = localMinima(s[0].loss());
        int r = localMinima(s[1].loss());
        Verdict v = g < r ? Verdict.MATCHES : g == r ? Verdict.CLOSE : Verdict.DIFFERS;
        rows.add(new Row(ID, "000", "Fig. 3: local minima of the 2D loss surface, J_G around θ_G vs J_R around θ_R",
                "J_G smooth, J_R rough (contours)", g + " vs " + r, v,
                v != Verdict.DIFFERS ? "" : "Around Terrain's minimisers J_G has more local minima than J_R on this grid.",
                settings, seconds, command, null, null));
    }

    /** Strict local minima of a grid over its (up to) 8 neighbours, non-finite points skipped. */
    static int localMinima(double[][] z) {
        int count = 0;
        for (int i = 0; i < z.length; i++) {
            for (int j = 0; j < z[i].length; j++) {
                if (!Double.isFinite(z[i][j])) {
                    continue;
                }
                boolean min = true;
                for (int di = -1; di <= 1 && min; di++) {
                    for (int dj = -1; dj <= 1; dj++) {
                        int a = i + di;
                        int b = j + dj;
                        if ((di != 0 || dj != 0) && a >= 0 && a < z.length && b >= 0 && b < z[a].length && !(z[a][b] > z[i][j])) {
                            min = false;
                            break;
                        }
                    }
                }
                count += min ? 1 : 0;
            }
        }
        return count;
    }

    private static Picture contour(String name, String title, LossSurface.Result r) {
        return new Picture(name, title, "Eight isolines with equal gaps between the surface's minimum and maximum, as the paper's Fig. 3.",
                png -> ContourPlot.writePng(r, png, 640, 560, title));
    }

    private static List<Chart> charts(List<Width> widths, Map<Long, double[]> path) {
        double[] w = widths.stream().mapToDouble(Width::w).toArray();
        double[] pw = {2, 3, 4, 5, 6};
        List<Chart> charts = new ArrayList<>();
        charts.add(new Chart("table3-rel-l2", "Table III: relative L2 error after training", "width w", "rel-L2", true, List.of(
                new Curve("Terrain DGM", w, widths.stream().mapToDouble(Width::relG).toArray(), false),
                new Curve("Terrain DRM", w, widths.stream().mapToDouble(Width::relR).toArray(), false),
                new Curve("paper DGM", pw, III_DGM, true), new Curve("paper DRM", pw, III_DRM, true))));
        charts.add(new Chart("table7-ri", "Table VII: RI at the minimisers (l = 0.02)", "width w", "Roughness Index", false, List.of(
                new Curve("Terrain DGM at θ_G", w, widths.stream().mapToDouble(Width::riG).toArray(), false),
                new Curve("Terrain DRM at θ_R", w, widths.stream().mapToDouble(Width::riR).toArray(), false),
                new Curve("paper DGM", pw, VII_DGM, true), new Curve("paper DRM", pw, VII_DRM, true))));
        double[] steps = path.keySet().stream().mapToDouble(Long::doubleValue).toArray();
        charts.add(new Chart("fig5-ri-path", "Fig. 5: RI along the training path (w = 4, l = 0.01)", "step", "Roughness Index", false,
                List.of(new Curve("Terrain DGM", steps, path.values().stream().mapToDouble(v -> v[0]).toArray(), false),
                        new Curve("Terrain DRM", steps, path.values().stream().mapToDouble(v -> v[1]).toArray(), false))));
        return charts;
    }

    static String sci(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    static String fixed(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String order(double a, double b) {
        return String.format(Locale.ROOT, "%.4f %s %.4f", a, a < b ? "<" : a > b ? ">" : "=", b);
    }
}
