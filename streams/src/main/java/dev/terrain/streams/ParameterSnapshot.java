package dev.terrain.streams;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a run at one step, as plain host data (never an NDArray): what the trainer
 * publishes every {@code pipeline.snapshotEvery} steps for the landscape probes.
 *
 * @param runId     the run
 * @param step      the training step the parameters are at
 * @param dtype     {@code float32} or {@code float64}, the run's parameter type
 * @param tensors   name and shape of every parameter tensor, in the order of {@code values}
 * @param values    all parameters flattened (the layout of {@code Parameters.toFlat()})
 * @param lossTerms the loss terms at {@code step} on the monitor batch (empty when not evaluated)
 * @param total     the weighted total loss at {@code step} (NaN when not evaluated)
 * @param optimizer the training method's id
 */
public record ParameterSnapshot(String runId, long step, String dtype, List<Tensor> tensors, double[] values,
        Map<String, Double> lossTerms, double total, String optimizer) {

    /** Name and shape of one parameter tensor. */
    public record Tensor(String name, long[] shape) {
        public Tensor {
            shape = shape.clone();
        }

        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && t.name.equals(name) && Arrays.equals(t.shape, shape);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    public ParameterSnapshot {
        tensors = List.copyOf(tensors);
        lossTerms = Map.copyOf(lossTerms);
        long n = 0;
        for (Tensor t : tensors) {
            n += t.size();
        }
        if (n != values.length) {
            throw new IllegalArgumentException("snapshot of run " + runId + " at step " + step + ": tensors " + tensors
                    + " hold " + n + " values, got " + values.length);
        }
    }

    /** The values; the array is shared, callers must not modify it. */
    @Override
    public double[] values() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterSnapshot s && s.runId.equals(runId) && s.step == step && s.dtype.equals(dtype)
                && s.tensors.equals(tensors) && Arrays.equals(s.values, values) && s.lossTerms.equals(lossTerms)
                && Double.compare(s.total, total) == 0 && s.optimizer.equals(optimizer);
    }

    @Override
    public int hashCode() {
        return runId.hashCode() * 31 + Long.hashCode(step);
    }

    @Override
    public String toString() {
        return "ParameterSnapshot[" + runId + "@" + step + ", " + values.length + " " + dtype + " values]";
    }
}
