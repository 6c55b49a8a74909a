package dev.terrain.ops.reproduce;

import dev.terrain.ops.report.ComparisonCharts.Chart;
import dev.terrain.ops.report.ComparisonCharts.Curve;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Paper 000 (Roughness Index), section IV.D and Fig. 6: the 1D wave equation u_tt − u_xx = f with
 * u = t² sin πx and the ansatz t² x(1 − x)·NN (no Ritz form, so only the DGM loss), RI along the gradient
 * descent path with l = 0.01. The paper's finding: "the gradient descent trajectory first go through a
 * high RI region and then gradually decreases together with the loss", as for the DGM in Fig. 5.
 * Terrain trains {@code examples/wave1d.conf} (ResNet one block of width 8, swish, 1000 Monte Carlo
 * points resampled, Adam with cosine decay) and probes RI with M = 50, m = 10 as in Fig. 5.
 */
final class Paper000Wave1d implements Experiment {
    static final String ID = "000-wave1d";

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
        return "1D wave equation: RI along the DGM training path (Fig. 6)";
    }

    @Override
    public double minutes(boolean quick) {
        return quick ? 0.5 : 4;
    }

    @Override
    public Outcome run(Lab lab, boolean quick) {
        long steps = quick ? 2000 : 10_000;
        long every = quick ? 250 : 500;
        int bigM = quick ? 20 : 50;
        String command = "./terrain reproduce " + ID + (quick ? " --quick" : "");
        Map<Long, double[]> path = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        lab.say(String.format(Locale.ROOT, "%s: DGM, %d steps, RI every %d", ID, steps, every));
        try (Model m = lab.model(lab.settings("wave1d.conf", Map.of("train.steps", Long.toString(steps))))) {
            m.train(steps, every, s -> path.put(s, new double[] {m.roughness(bigM, 10, 0.01, 1).ri(), m.evaluate().total()}));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] steps0 = path.keySet().stream().mapToDouble(Long::doubleValue).toArray();
        double[] ri = path.values().stream().mapToDouble(v -> v[0]).toArray();
        double[] loss = path.values().stream().mapToDouble(v -> v[1]).toArray();
        int peak = 0;
        for (int i = 1; i < ri.length; i++) {
            peak = ri[i] > ri[peak] ? i : peak;
        }
        double end = ri[ri.length - 1];
        boolean fallsAfterPeak = peak < ri.length - 1 && end < ri[peak];
        boolean lossFalls = loss[loss.length - 1] < loss[0];
        Verdict v = !fallsAfterPeak ? Verdict.DIFFERS : end < 0.5 * ri[peak] && lossFalls ? Verdict.MATCHES : Verdict.CLOSE;
        String settings = String.format(Locale.ROOT, "ResNet 1 block width 8, swish, 1000 Monte Carlo points resampled, Adam 1e-3 cosine, %,d steps, float64; RI M = %d, m = 10, l = 0.01 every %d steps",
                steps, bigM, every);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(ID, "000", "Fig. 6: RI along the path rises to a peak, then falls with the loss",
                "high RI early, then decreasing with the loss",
                String.format(Locale.ROOT, "peak %.4f at step %d, %.4f at step %d; loss %s → %s", ri[peak], (long) steps0[peak], end,
                        (long) steps0[steps0.length - 1], Paper000Poisson1d.sci(loss[0]), Paper000Poisson1d.sci(loss[loss.length - 1])),
                v, v != Verdict.DIFFERS ? "" : "Along Terrain's path the RI is highest at the last step probed: it has not yet fallen.",
                settings, seconds, command, "RI at the end below its peak along the path", fallsAfterPeak));
        List<Chart> charts = List.of(new Chart("fig6-ri-path", "Fig. 6: RI along the DGM path, 1D wave (l = 0.01)", "step", "Roughness Index", false,
                List.of(new Curve("Terrain RI", steps0, ri, false))),
                new Chart("fig6-loss", "Fig. 6: the DGM loss along the same path", "step", "J_G", true,
                        List.of(new Curve("Terrain J_G", steps0, loss, false))));
        return new Outcome(rows, charts, List.of("The paper's Fig. 6 is a plot without printed values; the row compares its shape."));
    }
}
