package dev.terrain.ops.reproduce;

import dev.terrain.ops.report.ComparisonCharts.Chart;
import dev.terrain.ops.report.ComparisonCharts.Curve;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Paper 000 (Roughness Index), sections IV.B and IV.C: the roughness of J_G and J_R at the same point θ_G
 * (the DGM's trained parameters) in two harder cases.
 * <ul>
 *   <li>Table XI: −Δu = f in the unit ball of R³ with the low-regularity solution u = sin(π/2 (1 − |x|)),
 *       u = (|x| − 1)·NN, ResNet with three blocks of width 8, N = 1000 Monte Carlo points, 5000 epochs
 *       ({@code examples/poisson3d-ball.conf});</li>
 *   <li>Table XII and the text of IV.C: −Δu = f on (0,1)¹⁰ (eq. 7 with d = 10), ResNet with three blocks
 *       of width 20; the paper's N = 100 000 and 50 000 epochs give rel-L2 ≈ 1e-3 for both losses.
 *       Terrain runs {@code examples/poisson10d.conf}'s CPU-sized budget (1000 points, 5000 steps,
 *       float32), which the rows state.</li>
 * </ul>
 * Each row compares the paper's pair (RI_DGM, RI_DRM) at one (l, m, M) with Terrain's, by their order.
 */
final class Paper000BallAnd10d implements Experiment {
    static final String ID = "000-ball-10d";

    /** One (l, m, M) of a table with the paper's RI_DGM and RI_DRM at θ_G. */
    private record Probe(double l, int m, int bigM, double dgm, double drm) {}

    private static final List<Probe> XI = List.of(new Probe(0.1, 10, 100, 0.0823, 0.1431), new Probe(0.1, 5, 100, 0.0579, 0.1426),
            new Probe(0.2, 20, 100, 0.1001, 0.1283), new Probe(0.3, 30, 100, 0.1228, 0.1159));
    private static final List<Probe> XII = List.of(new Probe(0.1, 20, 100, 0.1151, 0.1763), new Probe(0.05, 20, 100, 0.0770, 0.2126),
            new Probe(0.2, 20, 100, 0.1615, 0.1750));
    private static final double TEN_D_REL_L2 = 1e-3;

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
        return "RI of J_G and J_R at θ_G: the 3D ball (Table XI) and 10D Poisson (Table XII)";
    }

    @Override
    public double minutes(boolean quick) {
        return quick ? 0.7 : 12;
    }

    private record Plan(long ballSteps, long tenSteps, int tenPoints, int directions, List<Probe> xi, List<Probe> xii) {}

    private static Plan plan(boolean quick) {
        return quick ? new Plan(300, 300, 300, 20, XI.subList(0, 1), XII.subList(0, 1)) : new Plan(5000, 5000, 1000, 100, XI, XII);
    }

    @Override
    public Outcome run(Lab lab, boolean quick) {
        Plan p = plan(quick);
        String command = "./terrain reproduce " + ID + (quick ? " --quick" : "");
        List<Row> rows = new ArrayList<>();
        List<Chart> charts = new ArrayList<>();
        long t0 = System.nanoTime();
        lab.say(String.format(Locale.ROOT, "%s: 3D ball, DGM, %d steps", ID, p.ballSteps()));
        Map<String, String> ball = Map.of("train.steps", Long.toString(p.ballSteps()));
        String ballSettings = String.format(Locale.ROOT, "unit ball in R³, ResNet 3 blocks width 8, swish, N = 1000 Monte Carlo resampled, Adam 1e-3 cosine, %,d steps, float64",
                p.ballSteps());
        double[][] ballRi = atThetaG(lab, "poisson3d-ball.conf", ball, p.ballSteps(), p.xi(), p.directions(), null);
        probeRows("Table XI (3D ball)", p.xi(), ballRi, rows, ballSettings, (System.nanoTime() - t0) / 1e9, command, p.directions(), true);
        charts.add(chart("table11-ri", "Table XI: RI at θ_G, 3D ball", p.xi(), ballRi));

        t0 = System.nanoTime();
        lab.say(String.format(Locale.ROOT, "%s: 10D Poisson, DGM and DRM, %d steps on %d points", ID, p.tenSteps(), p.tenPoints()));
        Map<String, String> ten = Map.of("train.steps", Long.toString(p.tenSteps()), "sampling.sets.interior.points",
                Integer.toString(p.tenPoints()));
        String tenSettings = String.format(Locale.ROOT, "(0,1)¹⁰, ResNet 3 blocks width 20, swish, N = %,d Monte Carlo resampled (paper 100 000), Adam 1e-3 cosine, %,d steps (paper 50 000), float32",
                p.tenPoints(), p.tenSteps());
        double[] relL2 = new double[2];
        double[][] tenRi = atThetaG(lab, "poisson10d.conf", ten, p.tenSteps(), p.xii(), p.directions(), relL2);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String[] loss = {"DGM", "DRM"};
        for (int i = 0; i < 2; i++) {
            Verdict v = Verdict.ofValue(TEN_D_REL_L2, relL2[i], Verdict.MATCH_FACTOR);
            rows.add(new Row(ID, "000", "IV.C (10D): rel-L2 of the " + loss[i] + " after training", "≈ 1e-3",
                    Paper000Poisson1d.sci(relL2[i]), v,
                    v != Verdict.DIFFERS ? "" : relL2[i] > TEN_D_REL_L2
                            ? "Terrain trains on 1 % of the paper's points for a tenth of its epochs, so its error is larger."
                            : "Terrain's error is below the paper's despite the smaller budget; the paper's optimiser settings are not stated.",
                    tenSettings, seconds, command, null, null));
        }
        // In 10D the paper's own pairs are close (within 10-40 %): no direction for the quick check.
        probeRows("Table XII (10D)", p.xii(), tenRi, rows, tenSettings, seconds, command, p.directions(), false);
        charts.add(chart("table12-ri", "Table XII: RI at θ_G, 10D Poisson", p.xii(), tenRi));
        return new Outcome(rows, charts, List.of(
                "Both losses are probed at the same parameters θ_G, the DGM's trained network, as in the paper's Tables XI and XII.",
                "The probes use a fixed Monte Carlo batch drawn once from its own seed (the run's monitor batch), so J along each direction is one deterministic function.",
                "The paper's text says three residual blocks while its parameter counts fit four; Terrain follows the text."));
    }

    /**
     * Trains the DGM of {@code example}, then evaluates RI of J_G and J_R at its θ_G for each probe; fills
     * {@code relL2} (DGM, DRM trained from the same start) when given.
     */
    private static double[][] atThetaG(Lab lab, String example, Map<String, String> o, long steps, List<Probe> probes,
            int directions, double[] relL2) {
        double[][] ri = new double[probes.size()][2];
        Map<String, String> drm = new HashMap<>(o);
        drm.put("problem.loss", "drm");
        try (Model g = lab.model(lab.settings(example, o)); Model r = lab.model(lab.settings(example, drm))) {
            g.train(steps);
            if (relL2 != null) {
                relL2[0] = g.relL2();
                lab.say(String.format(Locale.ROOT, "%s: DRM from the same start, %d steps", ID, steps));
                relL2[1] = r.train(steps).relL2();
            }
            r.load(g.theta());
            for (int k = 0; k < probes.size(); k++) {
                Probe q = probes.get(k);
                int bigM = Math.min(q.bigM(), directions);
                ri[k][0] = g.roughness(bigM, q.m(), q.l(), 1).ri();
                ri[k][1] = r.roughness(bigM, q.m(), q.l(), 1).ri();
            }
        }
        return ri;
    }

    private static void probeRows(String table, List<Probe> probes, double[][] ri, List<Row> rows, String settings, double seconds,
            String command, int directions, boolean checkFirst) {
        for (int k = 0; k < probes.size(); k++) {
            Probe q = probes.get(k);
            int bigM = Math.min(q.bigM(), directions);
            boolean paperDgmSmaller = q.dgm() < q.drm();
            Verdict v = paperDgmSmaller ? Verdict.ofOrder(q.dgm(), q.drm(), ri[k][0], ri[k][1], 3)
                    : Verdict.ofOrder(q.drm(), q.dgm(), ri[k][1], ri[k][0], 3);
            String claim = paperDgmSmaller ? "RI_DGM < RI_DRM" : "RI_DRM < RI_DGM";
            boolean holds = paperDgmSmaller ? ri[k][0] < ri[k][1] : ri[k][1] < ri[k][0];
            String why = v != Verdict.DIFFERS ? "" : String.format(Locale.ROOT,
                    "At l = %s Terrain's θ_G gives the opposite order (%.4f vs %.4f); the paper's own pair differs by %.0f %%, and the order at a point depends on how far training got.",
                    q.l(), ri[k][0], ri[k][1], 100 * Math.abs(q.drm() - q.dgm()) / Math.min(q.drm(), q.dgm()));
            boolean checked = checkFirst && k == 0;
            rows.add(new Row(ID, "000", String.format(Locale.ROOT, "%s, l = %s, m = %d, M = %d: %s at θ_G", table, q.l(), q.m(), q.bigM(), claim),
                    Paper000Poisson1d.order(q.dgm(), q.drm()), Paper000Poisson1d.order(ri[k][0], ri[k][1]), v, why,
                    settings + String.format(Locale.ROOT, "; RI M = %d, m = %d, l = %s", bigM, q.m(), q.l()), seconds, command,
                    checked ? "RI_DGM(θ_G) < RI_DRM(θ_G), " + table : null, checked ? holds : null));
        }
    }

    private static Chart chart(String name, String title, List<Probe> probes, double[][] ri) {
        double[] x = new double[probes.size()];
        double[] pg = new double[x.length];
        double[] pr = new double[x.length];
        double[] g = new double[x.length];
        double[] r = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            x[k] = k + 1;
            pg[k] = probes.get(k).dgm();
            pr[k] = probes.get(k).drm();
            g[k] = ri[k][0];
            r[k] = ri[k][1];
        }
        StringBuilder xs = new StringBuilder("probe setting (");
        for (int k = 0; k < x.length; k++) {
            Probe q = probes.get(k);
            xs.append(k == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%d: l=%s m=%d", k + 1, q.l(), q.m()));
        }
        return new Chart(name, title, xs.append(')').toString(), "Roughness Index", false, List.of(
                new Curve("Terrain J_G", x, g, false), new Curve("Terrain J_R", x, r, false),
                new Curve("paper J_G", x, pg, true), new Curve("paper J_R", x, pr, true)));
    }
}
