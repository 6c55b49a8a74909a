package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.nn.JetTape;
import dev.terrain.model.nn.Network;
import dev.terrain.model.problem.Ansatz;
import dev.terrain.model.problem.LinearResidual;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The loss J(theta) = sum_t lambda_t J_t(theta) of a problem, a loss family and a network, with each
 * term J_t = sum_i w_i g_t(u)(x_i) evaluated from one jet forward pass per point set (SPEC 3.2-3.4).
 * For the residual family the weights of a set are normalised to sum to one (a quadrature-weighted
 * mean, as PINN losses are written); for the energy family they integrate over the region.
 */
public final class Objective {
    private static final int[] SUM_POINTS = {-2, -1};
    private final Problem problem;
    private final LossKind kind;
    private final Network network;
    private final Scalars c;
    private final List<LossTerm> terms;
    private final Map<String, Double> weights;
    private final Map<String, NDArray> weightScalars = new HashMap<>();
    private final Map<String, Integer> setOrder = new LinkedHashMap<>();

    public Objective(Problem problem, LossKind kind, Network network, Map<String, Double> termWeights, Scalars c) {
        if (!problem.lossKinds().contains(kind)) {
            throw new IllegalArgumentException("problem '" + problem.id() + "' has no " + kind.id() + " loss; valid: "
                    + problem.lossKinds().stream().map(LossKind::id).toList());
        }
        this.problem = problem;
        this.kind = kind;
        this.network = network;
        this.c = c;
        this.terms = problem.terms(kind);
        this.weights = new LinkedHashMap<>();
        for (LossTerm t : terms) {
            weights.put(t.name(), 1.0);
            setOrder.merge(t.pointSet(), t.order(), Math::max);
        }
        for (Map.Entry<String, Double> e : termWeights.entrySet()) {
            if (!weights.containsKey(e.getKey())) {
                throw new IllegalArgumentException("loss.weights." + e.getKey() + ": problem '" + problem.id()
                        + "' has no term '" + e.getKey() + "' in its " + kind.id() + " loss; terms: " + weights.keySet());
            }
            weights.put(e.getKey(), e.getValue());
        }
    }

    public Problem problem() {
        return problem;
    }

    public LossKind kind() {
        return kind;
    }

    public Network network() {
        return network;
    }

    public Scalars scalars() {
        return c;
    }

    /** The loss terms in order. */
    public List<LossTerm> terms() {
        return terms;
    }

    /** Term names in order. */
    public List<String> termNames() {
        return terms.stream().map(LossTerm::name).toList();
    }

    /** Current weight lambda_t of each term, read-only (weight annealing changes it via {@link #setWeight}). */
    public Map<String, Double> weights() {
        return java.util.Collections.unmodifiableMap(weights);
    }

    /**
     * Sets lambda_t. The weight's device scalar is replaced (and the old one closed) rather than cached
     * per value, so annealing's ever-changing weights do not pile up constants over a long run. Call it
     * between steps, never while a graph that reads the old weight is alive.
     */
    public synchronized void setWeight(String term, double lambda) {
        if (!weights.containsKey(term)) {
            throw new IllegalArgumentException("the loss has no term '" + term + "'; terms: " + weights.keySet());
        }
        weights.put(term, lambda);
        NDArray old = weightScalars.remove(term);
        if (old != null) {
            old.close();
        }
    }

    private synchronized NDArray weightScalar(String term, double lambda) {
        return weightScalars.computeIfAbsent(term, k -> {
            NDArray a = Tensors.create(c.manager(), new double[] {lambda}, new Shape(), c.dataType());
            ai.djl.ndarray.NDScope.unregister(a);
            return a;
        });
    }

    /** The regions of the point sets this loss reads. */
    public Map<String, Region> pointSets() {
        return problem.pointSets(kind);
    }

    /** Moves sampled points to the device and prepares the problem's fields and ansatz jets. */
    public Map<String, PointSet> toDevice(Map<String, HostPoints> host, NDManager manager) {
        Map<String, PointSet> batch = new HashMap<>();
        for (Map.Entry<String, HostPoints> e : host.entrySet()) {
            batch.put(e.getKey(), toDevice(e.getKey(), e.getValue(), e.getValue().weightSum(), manager));
        }
        return batch;
    }

    /**
     * The batch split into at most {@code shards} disjoint parts for data-parallel evaluation
     * ({@link ShardedGradient}): every loss term of the whole batch is the sum of that term over the parts
     * that hold its point set. A set of at least {@code shards * minPoints} points is cut into
     * {@code shards} contiguous runs of near-equal size; a smaller set goes whole to the part with the
     * fewest points so far (largest sets first, ties to the lowest index). Residual-loss weights are
     * normalised by the whole set's weight sum, as in {@link #toDevice(Map, NDManager)}. Parts that
     * received nothing are left out, so the list may be shorter than {@code shards}.
     */
    public java.util.List<Map<String, PointSet>> toDeviceShards(Map<String, HostPoints> host, int shards,
            int minPoints, NDManager manager) {
        if (shards < 1 || minPoints < 1) {
            throw new IllegalArgumentException("shards and minPoints must be positive, got " + shards + ", " + minPoints);
        }
        java.util.List<Map<String, PointSet>> parts = new java.util.ArrayList<>();
        long[] load = new long[shards];
        for (int k = 0; k < shards; k++) {
            parts.add(new HashMap<>());
        }
        java.util.List<String> names = new java.util.ArrayList<>(new java.util.TreeSet<>(host.keySet()));
        names.sort((a, b) -> Integer.compare(host.get(b).n(), host.get(a).n()));
        for (String name : names) {
            HostPoints h = host.get(name);
            double sum = h.weightSum();
            if (h.n() >= (long) shards * minPoints) {
                for (int k = 0; k < shards; k++) {
                    int from = (int) ((long) h.n() * k / shards);
                    int to = (int) ((long) h.n() * (k + 1) / shards);
                    parts.get(k).put(name, toDevice(name, h.slice(from, to), sum, manager));
                    load[k] += to - from;
                }
            } else {
                int k = 0;
                for (int j = 1; j < shards; j++) {
                    k = load[j] < load[k] ? j : k;
                }
                parts.get(k).put(name, toDevice(name, h, sum, manager));
                load[k] += h.n();
            }
        }
        parts.removeIf(Map::isEmpty);
        return parts;
    }

    private PointSet toDevice(String name, HostPoints h, double weightSum, NDManager manager) {
        NDArray x = Tensors.create(manager, h.x(), new Shape(h.n(), h.dim()), c.dataType());
        double[] w = h.w().clone();
        if (kind == LossKind.RESIDUAL) {
            for (int i = 0; i < w.length; i++) {
                w[i] /= weightSum;
            }
        }
        NDArray wt = Tensors.create(manager, w, new Shape(h.n(), 1), c.dataType());
        PointSet set = new PointSet(name, x, wt);
        problem.prepare(set, c);
        int order = setOrder.getOrDefault(name, 0);
        problem.ansatz().ifPresent(a -> attachAnsatz(set, a, order));
        return set;
    }

    private void attachAnsatz(PointSet set, Ansatz a, int order) {
        Jet x = Jet.input(set.x(), order, c);
        set.setAnsatz(a.factor(x, c), a.shift(x, c));
    }

    /** u and its jet at the points of a set: NN forward pass, then the ansatz B NN + g. */
    public Jet solution(PointSet set, int order) {
        return solution(set, order, network.parameters().arrays());
    }

    /** As {@link #solution(PointSet, int)} with the given (possibly batched) parameter arrays. */
    public Jet solution(PointSet set, int order, List<NDArray> params) {
        return withAnsatz(set, network.forward(Jet.input(set.x(), order, c), params, c));
    }

    /** u from the network's jet n at the points of a set: the ansatz B n + g, or n itself without one. */
    private Jet withAnsatz(PointSet set, Jet n) {
        Jet b = set.ansatzFactor();
        if (b == null) {
            return n;
        }
        Jet u = b.times(n, c);
        return set.ansatzShift() == null ? u : u.plus(set.ansatzShift());
    }

    /** Every term and the weighted total on a batch. */
    public LossValues evaluate(Map<String, PointSet> batch) {
        return evaluate(batch, network.parameters().arrays());
    }

    /**
     * Every term and the weighted total for the given parameter arrays. With a leading batch axis of P
     * parameter sets (see {@link dev.terrain.model.nn.Network#forward(Jet, List, Scalars)}) each value
     * has shape [P]: P losses from one batched pass; otherwise they are scalars.
     */
    public LossValues evaluate(Map<String, PointSet> batch, List<NDArray> params) {
        return evaluate(batch, params, false);
    }

    /**
     * The terms whose point sets are in {@code part} (one part of {@link #toDeviceShards}), with their
     * weighted total; terms on other sets are absent from the result.
     */
    public LossValues evaluatePart(Map<String, PointSet> part, List<NDArray> params) {
        return evaluate(part, params, true);
    }

    private LossValues evaluate(Map<String, PointSet> batch, List<NDArray> params, boolean partial) {
        Map<String, Jet> jets = new HashMap<>();
        for (Map.Entry<String, Integer> e : setOrder.entrySet()) {
            if (partial && !batch.containsKey(e.getKey())) {
                continue;
            }
            PointSet set = required(batch, e.getKey());
            jets.put(e.getKey(), solution(set, e.getValue(), params));
        }
        return losses(batch, jets, partial);
    }

    /**
     * The loss of {@code batch} (or of the part of it, see {@link #evaluatePart}) for the unbatched
     * {@code params}, with the gradient of {@code shape(total)} added to the params' gradients, as
     * {@code shape(evaluate(...).total())} under {@link Autograd#record()} and its reverse pass would;
     * {@code shape} null stands for the total itself.
     *
     * <p>With {@code taped} and a network that has a {@link JetTape}, the network's jet pass and the ansatz
     * u = B n + g run without autograd and their reverse passes are written out (the tape's, and
     * {@link #ansatzBackward}). So is the reverse pass of each linear least-squares term on a set reused
     * across steps ({@link PointSet#isKept()}) when the total is not shaped and u is scalar: its bars are r
     * times arrays made once ({@link LinearResidual}). Only the other terms and their sums are recorded,
     * from u's jet as leaves; with none, nothing is. {@code betweenPasses} runs after the forward pass.
     */
    public LossValues lossAndGradient(Map<String, PointSet> batch, List<NDArray> params, boolean partial,
            boolean taped, UnaryOperator<NDArray> shape, Runnable betweenPasses) {
        Map<String, JetTape> tapes = taped ? tapes(batch, params, partial) : null;
        if (tapes == null) {
            try (Autograd.Recording rec = Autograd.record()) {
                LossValues loss = evaluate(batch, params, partial);
                betweenPasses.run();
                rec.backward(shape == null ? loss.total() : shape.apply(loss.total()));
                return loss;
            }
        }
        List<LossTerm> active = terms(batch, partial);
        Map<String, NDArray> values = new HashMap<>();
        Map<String, NDArray[]> bars = new HashMap<>();
        Map<String, Jet> leaves = new HashMap<>();
        List<LossTerm> recorded = new ArrayList<>();
        NDArray total = null;
        try (NoGrad off = new NoGrad()) {
            Map<String, Jet> us = new HashMap<>();
            for (Map.Entry<String, JetTape> e : tapes.entrySet()) {
                us.put(e.getKey(), withAnsatz(batch.get(e.getKey()), e.getValue().output()));
            }
            for (LossTerm t : active) {
                Optional<LinearResidual> linear = shape == null && t.isLinearLeastSquares() && network.outputDim() == 1
                        ? batch.get(t.pointSet()).linearResidual(t, setOrder.get(t.pointSet()), c) : Optional.empty();
                if (linear.isEmpty()) {
                    recorded.add(t);
                    continue;
                }
                NDArray weighted = writtenTerm(t, linear.get(), batch.get(t.pointSet()), us.get(t.pointSet()), values,
                        bars.computeIfAbsent(t.pointSet(), k -> new NDArray[3]));
                // Not in place: the first term's weighted value may be its value itself.
                total = total == null ? weighted : total.add(weighted);
            }
            for (LossTerm t : recorded) {
                leaves.computeIfAbsent(t.pointSet(), k -> {
                    Jet u = us.get(k);
                    return new Jet(leaf(u.value()), leaf(u.grad()), leaf(u.hess()), u.order());
                });
            }
        }
        if (recorded.isEmpty()) {
            betweenPasses.run();
        } else {
            try (Autograd.Recording rec = Autograd.record()) {
                LossValues part = losses(batch, leaves, recorded);
                values.putAll(part.terms());
                betweenPasses.run();
                rec.backward(shape == null ? part.total() : shape.apply(part.total()));
                total = total == null ? part.total() : total.add(part.total());
            }
        }
        try (NoGrad off = new NoGrad()) {
            for (Map.Entry<String, JetTape> e : tapes.entrySet()) {
                NDArray[] u = bars.getOrDefault(e.getKey(), new NDArray[3]);
                Jet leaf = leaves.get(e.getKey());
                if (leaf != null) {
                    u[0] = Tensors.addInPlace(u[0], leafGradient(leaf.value()));
                    u[1] = Tensors.addInPlace(u[1], leafGradient(leaf.grad()));
                    u[2] = Tensors.addInPlace(u[2], leafGradient(leaf.hess()));
                }
                NDArray[] n = ansatzBackward(batch.get(e.getKey()).ansatzFactor(), u[0], u[1], u[2]);
                e.getValue().backward(n[0], n[1], n[2]);
            }
        }
        Map<String, NDArray> ordered = new LinkedHashMap<>();
        for (LossTerm t : active) {
            ordered.put(t.name(), values.get(t.name()));
        }
        return new LossValues(total, ordered);
    }

    /**
     * A linear least-squares term without autograd: its value sum_i r_i (s w_i) r_i into {@code values}, the
     * bars of u's jet 2 lambda s w r a (the residual's coefficients a, {@link LinearResidual}) added to
     * {@code bars} (value, gradient, Hessian diagonal; null entries are zero); returns lambda times the value.
     */
    private NDArray writtenTerm(LossTerm t, LinearResidual linear, PointSet set, Jet u, Map<String, NDArray> values,
            NDArray[] bars) {
        NDArray r = t.residual().apply(u, set, c);
        NDArray v = r.mul(linear.weight()).muli(r).sum(SUM_POINTS);
        values.put(t.name(), v);
        double lambda = weights.get(t.name());
        NDArray weight = lambda == 1.0 ? null : weightScalar(t.name(), lambda);
        NDArray scaled = weight == null ? r : r.mul(weight);
        NDArray[] coefficients = {linear.valueBar(), linear.gradBar(), linear.hessBar()};
        for (int k = 0; k < 3; k++) {
            if (coefficients[k] != null) {
                bars[k] = Tensors.addInPlace(bars[k], scaled.mul(coefficients[k]));
            }
        }
        return weight == null ? v : v.mul(weight);
    }

    /**
     * The bars of the network's jet n from those of u = B n + g ({@code factor} B and the shift g constant
     * jets; null bars where the loss did not read a component), by the product rule's reverse:
     * nbar = B ubar + sum_k (B'_k u'bar_k + B''_k u''bar_k), n'bar = B u'bar + 2 B' u''bar, n''bar = B u''bar.
     * Without an ansatz the bars are u's.
     */
    private NDArray[] ansatzBackward(Jet factor, NDArray ub, NDArray gb, NDArray hb) {
        if (factor == null) {
            return new NDArray[] {ub, gb, hb};
        }
        NDArray b = factor.value();
        NDArray db = factor.grad();
        NDArray ddb = factor.hess();
        NDArray nb = ub == null ? null : ub.mul(b);
        if (gb != null && db != null) {
            nb = Tensors.addInPlace(nb, Tensors.sumDirections(gb.mul(db)));
        }
        if (hb != null && ddb != null) {
            nb = Tensors.addInPlace(nb, Tensors.sumDirections(hb.mul(ddb)));
        }
        NDArray ngb = gb == null ? null : gb.mul(b);
        if (hb != null && db != null) {
            ngb = Tensors.addInPlace(ngb, hb.mul(db).muli(c.two()));
        }
        NDArray nhb = hb == null ? null : hb.mul(b);
        return new NDArray[] {nb, ngb, nhb};
    }

    /** The network's tape on every point set the loss reads, or null when the network has no tape. */
    private Map<String, JetTape> tapes(Map<String, PointSet> batch, List<NDArray> params, boolean partial) {
        Map<String, JetTape> tapes = new LinkedHashMap<>();
        try (NoGrad off = new NoGrad()) {
            for (Map.Entry<String, Integer> e : setOrder.entrySet()) {
                if (partial && !batch.containsKey(e.getKey())) {
                    continue;
                }
                PointSet set = required(batch, e.getKey());
                Optional<JetTape> tape = network.tape(Jet.input(set.x(), e.getValue(), c), params, c);
                if (tape.isEmpty()) {
                    return null;
                }
                tapes.put(e.getKey(), tape.get());
            }
        }
        return tapes;
    }

    /**
     * A new autograd leaf on the storage of {@code a}: an alias, so that marking it never marks {@code a}
     * itself (a component of u may be one of the point set's ansatz arrays, which outlive the step).
     */
    private static NDArray leaf(NDArray a) {
        if (a == null) {
            return null;
        }
        NDArray leaf = a.stopGradient();
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /** The gradient the recorded reverse pass left on a leaf, or null where the loss did not read it. */
    private static NDArray leafGradient(NDArray leaf) {
        return leaf == null ? null : JniUtils.getGradient((PtNDArray) leaf);
    }

    /** The terms and weighted total from the solution jets of the point sets. */
    private LossValues losses(Map<String, PointSet> batch, Map<String, Jet> jets, boolean partial) {
        return losses(batch, jets, terms(batch, partial));
    }

    /** The terms of the loss on {@code batch}: all of them, or with {@code partial} those on its point sets. */
    private List<LossTerm> terms(Map<String, PointSet> batch, boolean partial) {
        List<LossTerm> out = new ArrayList<>();
        for (LossTerm t : terms) {
            if (!partial || batch.containsKey(t.pointSet())) {
                required(batch, t.pointSet());
                out.add(t);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("the batch part " + batch.keySet() + " holds no point set of a loss term");
        }
        return out;
    }

    /** The values of {@code which} terms and their weighted total. */
    private LossValues losses(Map<String, PointSet> batch, Map<String, Jet> jets, List<LossTerm> which) {
        Map<String, NDArray> values = new LinkedHashMap<>();
        NDArray total = null;
        for (LossTerm t : which) {
            PointSet set = batch.get(t.pointSet());
            NDArray g = t.integrand().apply(jets.get(t.pointSet()), set, c);
            // Sum over points and outputs only: a leading parameter-batch axis survives.
            NDArray v = g.mul(set.weights()).sum(SUM_POINTS);
            values.put(t.name(), v);
            double lambda = weights.get(t.name());
            NDArray weighted = lambda == 1.0 ? v : v.mul(weightScalar(t.name(), lambda));
            total = total == null ? weighted : total.add(weighted);
        }
        return new LossValues(total, values);
    }

    private static PointSet required(Map<String, PointSet> batch, String name) {
        PointSet s = batch.get(name);
        if (s == null) {
            throw new IllegalStateException("batch has no point set '" + name + "'");
        }
        return s;
    }

    /** u at the given points (no derivatives), shape [B, outputDim]. */
    public NDArray predict(PointSet set) {
        return solution(set, 0).value();
    }
}
