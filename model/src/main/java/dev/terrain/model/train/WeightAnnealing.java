package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.Autograd;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learning-rate annealing of the loss weights (paper 001, "learning rate annealing algorithm",
 * Wang, Teng and Perdikaris): every K steps, with L_r the reference (residual) term and L_i the others,
 * lambda_hat_i = max_theta |grad_theta L_r| / mean_theta |grad_theta L_i| and
 * lambda_i <- (1 - alpha) lambda_i + alpha lambda_hat_i (alpha = 0.9 in the paper). Max and mean run
 * over every parameter of the network (weights and biases). The gradients come from one forward pass
 * and one backward pass per term (the graph is kept between them), so an annealing step costs about as
 * many backward passes as the loss has terms. The reference term keeps its configured weight. A term
 * whose gradient is zero everywhere keeps its weight (its lambda_hat would be infinite).
 *
 * <p>Read literally (mean |grad L_i| of the unweighted term) the update has no stable fixed point once a
 * term is fitted: its gradient shrinks, lambda_hat grows, and on the Helmholtz benchmark lambda ran to
 * 1.5e7 and the network to u = 0 (rel-L2 1.0). The authors' reference code differentiates the weighted
 * term lambda_i L_i, so lambda_hat = ratio / lambda_i and lambda settles at sqrt(ratio) (a few hundred on
 * Helmholtz); {@code weightedGradient} selects that form, the run config's default.
 */
public final class WeightAnnealing {
    private final long every;
    private final double alpha;
    private final String reference;
    private final boolean weightedGradient;
    private long updates;

    /**
     * @param every K, steps between weight updates (the first update is at step 0)
     * @param alpha moving-average factor in (0, 1]
     * @param reference the term L_r; null or empty for the loss's first term
     * @param weightedGradient take mean |grad(lambda_i L_i)| with the current weight in the denominator, as the
     *     authors' reference code does (their {@code loss_bcs} already carries the weight); the fixed point is
     *     then lambda_i = sqrt(max |grad L_r| / mean |grad L_i|) instead of the ratio itself
     */
    public WeightAnnealing(long every, double alpha, String reference, boolean weightedGradient) {
        if (every < 1) {
            throw new IllegalArgumentException("loss.annealing.every must be at least 1, got " + every);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("loss.annealing.alpha must be in (0, 1], got " + alpha);
        }
        this.every = every;
        this.alpha = alpha;
        this.reference = reference == null || reference.isEmpty() ? null : reference;
        this.weightedGradient = weightedGradient;
    }

    /** Checks the reference term exists in the objective's loss. */
    public WeightAnnealing checkedAgainst(Objective objective) {
        if (reference != null && !objective.termNames().contains(reference)) {
            throw new IllegalArgumentException("loss.annealing.reference: the loss has no term '" + reference
                    + "'; terms: " + objective.termNames());
        }
        if (objective.termNames().size() < 2) {
            throw new IllegalArgumentException("loss.annealing needs a loss of at least two terms; this one has "
                    + objective.termNames());
        }
        return this;
    }

    public boolean due(long step) {
        return step % every == 0;
    }

    /** Weight updates done so far. */
    public long updates() {
        return updates;
    }

    public String referenceTerm(Objective objective) {
        return reference == null ? objective.termNames().get(0) : reference;
    }

    /** One annealing update of {@code objective.weights()} from the gradients on {@code batch}. */
    public void update(Objective objective, Map<String, PointSet> batch) {
        String ref = referenceTerm(objective);
        Map<String, double[]> stats = termGradientStats(objective, batch);
        double maxRef = stats.get(ref)[0];
        for (Map.Entry<String, double[]> e : stats.entrySet()) {
            double mean = e.getValue()[1];
            if (e.getKey().equals(ref) || !(mean > 0) || !Double.isFinite(maxRef)) {
                continue;
            }
            double lambda = objective.weights().get(e.getKey());
            double hat = weightedGradient ? maxRef / (lambda * mean) : maxRef / mean;
            objective.setWeight(e.getKey(), (1 - alpha) * lambda + alpha * hat);
        }
        updates++;
    }

    /** Per term: {max |grad J_t|, mean |grad J_t|} over all parameters, unweighted terms. */
    static Map<String, double[]> termGradientStats(Objective objective, Map<String, PointSet> batch) {
        List<Param> params = objective.network().parameters().list();
        long count = objective.network().parameters().count();
        Map<String, double[]> out = new LinkedHashMap<>();
        try (Autograd.Recording rec = Autograd.record()) {
            LossValues loss = objective.evaluate(batch);
            List<String> names = List.copyOf(loss.terms().keySet());
            for (int t = 0; t < names.size(); t++) {
                // One forward pass serves every term: keep the graph until the last term's reverse pass.
                rec.backward(loss.terms().get(names.get(t)), t < names.size() - 1);
                NDList maxes = new NDList();
                NDList sums = new NDList();
                for (Param p : params) {
                    try (NDArray g = p.array().getGradient()) {
                        NDArray abs = g.abs();
                        maxes.add(abs.max().reshape(1));
                        sums.add(abs.sum().reshape(1));
                    }
                    JniUtils.zeroGrad((PtNDArray) p.array());
                }
                double[] m = NDArrays.concat(maxes).toType(DataType.FLOAT64, false).toDoubleArray();
                double[] s = NDArrays.concat(sums).toType(DataType.FLOAT64, false).toDoubleArray();
                double max = 0;
                double sum = 0;
                for (int i = 0; i < m.length; i++) {
                    max = Math.max(max, m[i]);
                    sum += s[i];
                }
                out.put(names.get(t), new double[] {max, sum / count});
            }
        }
        return out;
    }

    /** The annealed weights and the update count, to checkpoint. */
    public Map<String, Double> state(Objective objective) {
        Map<String, Double> s = new LinkedHashMap<>(objective.weights());
        s.put("#updates", (double) updates);
        return s;
    }

    /** Restores weights saved by {@link #state}; fails naming a term the loss does not have. */
    public void restore(Objective objective, Map<String, Double> state) {
        for (Map.Entry<String, Double> e : state.entrySet()) {
            if (e.getKey().equals("#updates")) {
                updates = e.getValue().longValue();
            } else if (!objective.weights().containsKey(e.getKey())) {
                throw new IllegalArgumentException("saved annealing weights name term '" + e.getKey()
                        + "' but the loss has " + objective.termNames());
            } else {
                objective.setWeight(e.getKey(), e.getValue());
            }
        }
    }
}
