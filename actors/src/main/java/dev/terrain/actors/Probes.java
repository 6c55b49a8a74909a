package dev.terrain.actors;

import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.GradientStatistics;
import dev.terrain.model.probe.GradientStatisticsResult;
import dev.terrain.model.probe.GradientStatisticsSettings;
import dev.terrain.model.probe.HessianProbe;
import dev.terrain.model.probe.HessianResult;
import dev.terrain.model.probe.HessianSettings;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.probe.RoughnessIndex;
import dev.terrain.model.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The landscape probes of the pool, each evaluated on the model's fixed probe batch (the training batch,
 * or with resampling the run's monitor batch) at the snapshot's parameters. Figures are plain numbers
 * with snake_case names, as they appear in {@code landscape.jsonl}.
 */
public final class Probes {
    private Probes() {}

    /**
     * Roughness Index, Algorithm 1 of paper 000: RI = std(T)/mean(T) over M random directions, its losses
     * evaluated in chunks of at most {@code maxElements} jet elements ({@link BatchedLoss}).
     */
    public static Probe roughness(RoughnessIndex.Settings settings, long maxElements) {
        return (model, snapshot) -> {
            RoughnessIndex.Result r = RoughnessIndex.compute(batched(model, maxElements),
                    model.objective().network().parameters(), settings);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("ri", finite(r.ri()));
            f.put("mean_t", finite(r.meanT()));
            f.put("std_t", finite(r.stdT()));
            f.put("loss", finite(r.lossAtTheta()));
            f.put("rel_l2", finite(model.relativeL2()));
            f.put("directions", r.directions());
            f.put("intervals", r.intervals());
            f.put("half_width", r.halfWidth());
            f.put("excluded", r.nonFiniteDirections().size() + r.flatDirections().size());
            return f;
        };
    }

    /**
     * The 2D loss surface around θ along two filter-normalised random directions (paper 000 Fig. 3), in
     * chunks of at most {@code maxElements} jet elements.
     */
    public static Probe surface(LossSurface.Settings settings, long maxElements) {
        return (model, snapshot) -> {
            LossSurface.Result r = LossSurface.compute(batched(model, maxElements),
                    model.objective().network().parameters(), settings);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("loss_at_theta", finite(r.lossAtTheta()));
            f.put("min", finite(r.min()));
            f.put("max", finite(r.max()));
            f.put("non_finite", r.nonFiniteCount());
            f.put("span", settings.span());
            f.put("a", r.a());
            f.put("b", r.b());
            List<List<Double>> grid = new ArrayList<>();
            for (double[] row : r.loss()) {
                List<Double> values = new ArrayList<>(row.length);
                for (double v : row) {
                    values.add(finite(v));
                }
                grid.add(values);
            }
            f.put("loss", grid);
            return f;
        };
    }

    /** Top Hessian eigenvalues by Lanczos on finite-difference Hessian-vector products, and power iteration. */
    public static Probe hessian(HessianSettings settings) {
        return (model, snapshot) -> {
            HessianResult r = new HessianProbe(model.objective(), model.probeBatch(), settings)
                    .run(snapshot.step(), snapshot.runId() + "@" + snapshot.step());
            if (!r.ok()) {
                throw new IllegalStateException(r.problem());
            }
            Map<String, Object> f = new LinkedHashMap<>();
            double[] eig = r.lanczos().eigenvalues();
            f.put("lambda_max", finite(eig.length == 0 ? Double.NaN : eig[0]));
            f.put("eigenvalues", eig);
            f.put("power_eigenvalue", r.power() == null ? null : finite(r.power().eigenvalue()));
            f.put("eigenvalue_index", r.index() != null && r.index().defined() ? finite(r.index().value()) : null);
            f.put("hessian_vector_products", r.hessianVectorProducts());
            return f;
        };
    }

    /** Per-term, per-layer gradient magnitudes (paper 001 Fig. 2's imbalance), without the histograms. */
    public static Probe gradients(GradientStatisticsSettings settings) {
        return (model, snapshot) -> {
            GradientStatisticsResult r = new GradientStatistics(model.objective(), model.probeBatch(), settings)
                    .compute(snapshot.step(), snapshot.runId() + "@" + snapshot.step());
            Map<String, Object> f = new LinkedHashMap<>();
            for (GradientStatisticsResult.Term t : r.terms()) {
                Map<String, Object> term = new LinkedHashMap<>();
                term.put("loss", finite(t.loss()));
                term.put("weight", t.weight());
                term.put("max", finite(t.overall().max()));
                term.put("mean", finite(t.overall().mean()));
                term.put("l2", finite(t.overall().l2()));
                List<Map<String, Object>> layers = new ArrayList<>();
                for (GradientStatisticsResult.Layer l : t.layers()) {
                    layers.add(Map.of("group", l.group(), "max", finite(l.max()), "mean", finite(l.mean())));
                }
                term.put("layers", layers);
                f.put(t.name(), term);
            }
            return f;
        };
    }

    /**
     * The figure a one-line display shows for a probe's result ({@code ri}, {@code lambda_max},
     * {@code loss_at_theta}), or null for a probe without a single headline number (gradients).
     */
    public static String headline(String probe) {
        return switch (probe) {
            case "roughness" -> "ri";
            case "hessian" -> "lambda_max";
            case "surface" -> "loss_at_theta";
            default -> null;
        };
    }

    private static BatchedLoss batched(Trainer model, long maxElements) {
        return new BatchedLoss(model.objective(), model.probeBatch(), maxElements);
    }

    /** JSON has no NaN: non-finite figures are written as null. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
