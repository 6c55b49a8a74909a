package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One set of points of a batch, on the device: coordinates x [B, d], weights [B, 1] (each loss term
 * on this set is sum_i w_i g_i), fields that do not depend on theta (source f, targets, exact values)
 * computed once when the set is made, and the jets of the hard-constraint ansatz at these points.
 */
public final class PointSet {
    private final String name;
    private final NDArray x;
    private final NDArray weights;
    private final Map<String, NDArray> fields = new HashMap<>();
    private Jet ansatzFactor;
    private Jet ansatzShift;
    private boolean kept;
    /** The affine forms of the linear terms' residuals here, by term (empty: not affine), once kept. */
    private final Map<String, Optional<LinearResidual>> linearResiduals = new HashMap<>();

    public PointSet(String name, NDArray x, NDArray weights) {
        this.name = name;
        this.x = x;
        this.weights = weights;
    }

    public String name() {
        return name;
    }

    /** Coordinates [B, d]. */
    public NDArray x() {
        return x;
    }

    /** Column k of x, shape [B, 1]. */
    public NDArray x(int k) {
        return x.get(new ai.djl.ndarray.index.NDIndex(":, {}:{}", k, k + 1));
    }

    public NDArray weights() {
        return weights;
    }

    public long size() {
        return x.getShape().get(0);
    }

    public void put(String field, NDArray value) {
        fields.put(field, value);
    }

    /** A field the problem stored when it prepared this set. */
    public NDArray field(String field) {
        NDArray v = fields.get(field);
        if (v == null) {
            throw new IllegalStateException("point set '" + name + "' has no field '" + field + "'");
        }
        return v;
    }

    public Map<String, NDArray> fields() {
        return fields;
    }

    /** Stores the ansatz jets at these points (done by the objective when the set is made). */
    public void setAnsatz(Jet factor, Jet shift) {
        this.ansatzFactor = factor;
        this.ansatzShift = shift;
    }

    /**
     * Takes this set's arrays out of the enclosing {@link ai.djl.ndarray.NDScope}, so a set that is
     * reused across steps (a fixed batch, the test set) lives as long as its manager.
     */
    public PointSet keep() {
        kept = true;
        ai.djl.ndarray.NDScope.unregister(x, weights);
        fields.values().forEach(ai.djl.ndarray.NDScope::unregister);
        for (Jet j : new Jet[] {ansatzFactor, ansatzShift}) {
            if (j != null) {
                for (NDArray a : new NDArray[] {j.value(), j.grad(), j.hess()}) {
                    if (a != null) {
                        ai.djl.ndarray.NDScope.unregister(a);
                    }
                }
            }
        }
        return this;
    }

    /** Whether {@link #keep()} took this set out of its scope: it is reused across steps. */
    public boolean isKept() {
        return kept;
    }

    /**
     * The affine form of {@code term}'s residual here ({@link LinearResidual#of}), made at the first call and
     * kept with the set: only for a set that is reused across steps ({@link #isKept()}), where making it once
     * pays; empty for any other set, or when the residual is not affine.
     */
    public synchronized Optional<LinearResidual> linearResidual(LossTerm term, int order, Scalars c) {
        if (!kept) {
            return Optional.empty();
        }
        return linearResiduals.computeIfAbsent(term.name(), k -> LinearResidual.of(term, this, order, c));
    }

    /** B(x) of u = B(x) NN(x) + g(x), or null without a hard constraint. */
    public Jet ansatzFactor() {
        return ansatzFactor;
    }

    /** g(x), or null when it is zero. */
    public Jet ansatzShift() {
        return ansatzShift;
    }
}
