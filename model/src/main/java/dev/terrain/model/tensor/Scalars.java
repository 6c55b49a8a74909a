package dev.terrain.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * Scalar constants as NDArrays, made once and owned by a manager that outlives every backward pass.
 *
 * <p>DJL backs a Java {@code Number} passed to an op with memory it frees at once; autograd keeps
 * using it, so gradients go silently wrong after a GC ({@code shared/bench/NOTES.md}). Every constant
 * on a differentiated path therefore comes from here.
 */
public final class Scalars {
    private final NDManager manager;
    private final DataType dataType;
    private final Map<Double, NDArray> cache = new HashMap<>();
    private final Map<Long, NDArray> identities = new HashMap<>();

    public Scalars(NDManager manager, DataType dataType) {
        this.manager = manager;
        this.dataType = dataType;
    }

    /** The scalar {@code value} in this run's data type. */
    public synchronized NDArray of(double value) {
        return cache.computeIfAbsent(value, v -> {
            NDArray a = dataType == DataType.FLOAT64
                    ? manager.create(new double[] {v}, new Shape())
                    : manager.create(new float[] {v.floatValue()}, new Shape());
            // Constants live as long as their manager, never in a step scope.
            NDScope.unregister(a);
            return a;
        });
    }

    /**
     * {@link Tensors#identityJet} in this run's data type, made once per d (it was three native calls per
     * forward pass).
     */
    public synchronized NDArray identityJet(long d) {
        return identities.computeIfAbsent(d, k -> {
            NDArray a = Tensors.identityJet(manager, dataType, k);
            NDScope.unregister(a);
            return a;
        });
    }

    public NDArray one() {
        return of(1.0);
    }

    public NDArray two() {
        return of(2.0);
    }

    public DataType dataType() {
        return dataType;
    }

    public NDManager manager() {
        return manager;
    }
}
