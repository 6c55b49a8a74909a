package dev.terrain.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Host-to-device copies made directly in the run's data type (no intermediate float64 array). */
public final class Tensors {
    private Tensors() {}

    public static NDArray create(NDManager manager, double[] values, Shape shape, DataType dtype) {
        if (dtype == DataType.FLOAT64) {
            return manager.create(values, shape);
        }
        if (dtype != DataType.FLOAT32) {
            throw new IllegalArgumentException("unsupported data type " + dtype + "; valid: float32, float64");
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return manager.create(f, shape);
    }

    /**
     * The d x d identity laid out as an input jet's gradient, [d, 1, d]: dx/dx_k = e_k at every point
     * (SPEC section 3.2). {@link Scalars#identityJet} keeps one per d for a run.
     */
    public static NDArray identityJet(NDManager manager, DataType dtype, long d) {
        return manager.eye((int) d).toType(dtype, false).reshape(d, 1, d);
    }

    /**
     * The sum of a jet derivative [d, B, n] over its leading axis of input directions, [B, n]: a view for
     * d = 1, and a 2D array (a derivative already held flat, d = 1) as it is. For hand-written reverse passes.
     */
    public static NDArray sumDirections(NDArray x) {
        if (x.getShape().dimension() == 2) {
            return x;
        }
        return x.getShape().get(0) == 1 ? x.squeeze(0) : x.sum(new int[] {0});
    }

    /**
     * a + b, either possibly null (a zero), written into {@code a}: for a reverse pass adding up terms that are
     * its own temporaries.
     */
    public static NDArray addInPlace(NDArray a, NDArray b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.addi(b);
    }

    /** A host copy as doubles, whatever the array's floating-point type. */
    public static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
