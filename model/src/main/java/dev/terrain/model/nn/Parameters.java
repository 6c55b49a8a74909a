package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The ordered parameter tensors of a network, owned by the run's manager. The flat vector view
 * (concatenation in this order, each tensor row-major) is the layout of snapshots and checkpoints.
 */
public final class Parameters {
    private final List<Param> params = new ArrayList<>();
    private final NDManager manager;
    private final DataType dataType;

    public Parameters(NDManager manager, DataType dataType) {
        this.manager = manager;
        this.dataType = dataType;
    }

    /** Adds a parameter with the given initial values; it requires a gradient from now on. */
    public NDArray add(String name, String group, Param.Kind kind, Shape shape, double[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + shape);
        }
        NDArray a = Tensors.create(manager, values, shape, dataType);
        a.setName(name);
        a.setRequiresGradient(true);
        params.add(new Param(name, group, kind, a));
        return a;
    }

    public List<Param> list() {
        return Collections.unmodifiableList(params);
    }

    /** The parameter arrays in order. */
    public List<NDArray> arrays() {
        return params.stream().map(Param::array).toList();
    }

    public DataType dataType() {
        return dataType;
    }

    public NDManager manager() {
        return manager;
    }

    /** Total number of scalar parameters. */
    public long count() {
        long n = 0;
        for (Param p : params) {
            n += p.size();
        }
        return n;
    }

    /** All parameters as one flat double vector (a host copy; not for the training step). */
    public double[] toFlat() {
        double[] out = new double[Math.toIntExact(count())];
        int at = 0;
        for (Param p : params) {
            double[] v = Tensors.toDoubles(p.array());
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /** Overwrites every parameter from a flat vector laid out as {@link #toFlat()}. */
    public void load(double[] flat) {
        if (flat.length != count()) {
            throw new IllegalArgumentException("parameter vector has " + flat.length
                    + " values but the network has " + count());
        }
        int at = 0;
        for (Param p : params) {
            int n = Math.toIntExact(p.size());
            double[] part = new double[n];
            System.arraycopy(flat, at, part, 0, n);
            at += n;
            try (NDArray src = Tensors.create(manager, part, p.array().getShape(), dataType)) {
                p.array().set(src.toByteBuffer());
            }
        }
    }
}
