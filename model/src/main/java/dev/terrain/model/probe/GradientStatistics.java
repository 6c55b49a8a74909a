package dev.terrain.model.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.LossValues;
import dev.terrain.model.train.Objective;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gradient statistics per loss term and per layer (SPEC 3.6; paper 001, "gradient pathologies"):
 * for every term L_t of the objective, one forward pass and one backward pass of the unweighted L_t
 * alone (gradients read to the host and zeroed between terms), then per layer (Param.group) and over
 * all parameters the max, mean and L2 norm of |dL_t / dtheta| and a log10 |g| histogram.
 * The weighted sum over terms, sum_t lambda_t dL_t/dtheta, is the training gradient.
 *
 * <p>It records with {@link Autograd}, so it may run beside training on another thread (on its own
 * copy of the parameters: gradients accumulate into the leaves), and it leaves theta untouched. No NDArray leaves it.
 */
public final class GradientStatistics {
    /** The group name of the all-parameters entry. */
    public static final String ALL = "all";

    private final Objective objective;
    private final Map<String, PointSet> batch;
    private final GradientStatisticsSettings settings;
    private Runnable beforeBackward = () -> { };

    public GradientStatistics(Objective objective, Map<String, PointSet> batch, GradientStatisticsSettings settings) {
        this.objective = objective;
        this.batch = batch;
        this.settings = settings;
    }

    /** See {@link HessianFiniteDifference#beforeBackward}. */
    public GradientStatistics beforeBackward(Runnable hook) {
        this.beforeBackward = hook;
        return this;
    }

    /** The gradient of one term (or, with a null name, of the weighted total) and its loss value. */
    public record TermGradient(String name, double loss, double[] gradient) {}

    /** dL_t/dtheta of every unweighted term, in flat parameter order, by term name (term order). */
    public Map<String, TermGradient> termGradients() {
        Map<String, TermGradient> out = new LinkedHashMap<>();
        for (String t : objective.termNames()) {
            out.put(t, gradientOf(t));
        }
        return out;
    }

    /** dJ/dtheta of the weighted total, for checking sum_t lambda_t dL_t/dtheta against it. */
    public TermGradient totalGradient() {
        return gradientOf(null);
    }

    private TermGradient gradientOf(String term) {
        Parameters params = objective.network().parameters();
        int n = Math.toIntExact(params.count());
        double[] g = new double[n];
        double loss;
        zero(params);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (Autograd.Recording rec = Autograd.record()) {
                LossValues lv = objective.evaluate(batch);
                NDArray target = term == null ? lv.total() : lv.terms().get(term);
                loss = Tensors.toDoubles(target)[0];
                if (!Double.isFinite(loss)) {
                    java.util.Arrays.fill(g, Double.NaN);
                    return new TermGradient(term, loss, g);
                }
                beforeBackward.run();
                rec.backward(target);
            }
            int at = 0;
            for (Param p : params.list()) {
                try (NDArray grad = p.array().getGradient()) {
                    double[] v = Tensors.toDoubles(grad);
                    System.arraycopy(v, 0, g, at, v.length);
                    at += v.length;
                }
            }
        } finally {
            zero(params);
        }
        return new TermGradient(term, loss, g);
    }

    private static void zero(Parameters params) {
        for (Param p : params.list()) {
            JniUtils.zeroGrad((PtNDArray) p.array());
        }
    }

    public GradientStatisticsResult compute() {
        return compute(-1, "");
    }

    /** One forward + backward per term; statistics per layer and overall. */
    public GradientStatisticsResult compute(long step, String snapshotId) {
        long start = System.nanoTime();
        Parameters params = objective.network().parameters();
        // Layers in parameter order, each a list of [from, to) ranges of the flat vector.
        Map<String, List<int[]>> layers = new LinkedHashMap<>();
        int at = 0;
        for (Param p : params.list()) {
            int size = Math.toIntExact(p.size());
            layers.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(new int[] {at, at + size});
            at += size;
        }
        List<int[]> everything = List.of(new int[] {0, at});
        List<GradientStatisticsResult.Term> terms = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String name : objective.termNames()) {
            TermGradient tg = gradientOf(name);
            List<GradientStatisticsResult.Layer> stats = new ArrayList<>();
            for (Map.Entry<String, List<int[]>> e : layers.entrySet()) {
                stats.add(layer(e.getKey(), tg.gradient(), e.getValue()));
            }
            GradientStatisticsResult.Layer overall = layer(ALL, tg.gradient(), everything);
            String problem = null;
            if (!Double.isFinite(tg.loss())) {
                problem = "term '" + name + "': non-finite loss " + tg.loss();
            } else if (overall.histogram().nonFinite() > 0) {
                problem = "term '" + name + "': " + overall.histogram().nonFinite() + " non-finite gradient entries";
            }
            if (problem != null) {
                problems.add(problem);
            }
            terms.add(new GradientStatisticsResult.Term(name, objective.weights().get(name), tg.loss(),
                    List.copyOf(stats), overall, problem));
        }
        return new GradientStatisticsResult(step, snapshotId, List.copyOf(terms), settings.log10Edges(),
                Duration.ofNanos(System.nanoTime() - start), problems.isEmpty() ? null : String.join("; ", problems));
    }

    /** Statistics of |g| over the given ranges of the flat gradient. */
    GradientStatisticsResult.Layer layer(String group, double[] g, List<int[]> ranges) {
        int bins = settings.bins();
        double lo = settings.log10Min();
        double hi = settings.log10Max();
        double width = (hi - lo) / bins;
        long[] counts = new long[bins];
        long zeros = 0;
        long below = 0;
        long above = 0;
        long nonFinite = 0;
        int count = 0;
        double max = 0;
        double sum = 0;
        double sumSq = 0;
        for (int[] r : ranges) {
            for (int i = r[0]; i < r[1]; i++) {
                double a = Math.abs(g[i]);
                count++;
                max = Math.max(max, a);
                sum += a;
                sumSq += a * a;
                if (!Double.isFinite(a)) {
                    nonFinite++;
                } else if (a == 0) {
                    zeros++;
                } else {
                    double l = Math.log10(a);
                    if (l < lo) {
                        below++;
                    } else if (l >= hi) {
                        above++;
                    } else {
                        counts[Math.min(bins - 1, (int) Math.floor((l - lo) / width))]++;
                    }
                }
            }
        }
        boolean finite = nonFinite == 0;
        return new GradientStatisticsResult.Layer(group, count, finite ? max : Double.NaN,
                finite && count > 0 ? sum / count : Double.NaN, finite ? Math.sqrt(sumSq) : Double.NaN,
                new GradientStatisticsResult.Histogram(counts, zeros, below, above, nonFinite));
    }
}
