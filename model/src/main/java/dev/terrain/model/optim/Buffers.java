package dev.terrain.model.optim;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.tensor.Tensors;
import java.util.Map;

/** Copies between optimizer buffers on the device and the plain vectors of an {@link OptimizerState}. */
final class Buffers {
    private Buffers() {}

    static void load(NDArray target, OptimizerState state, String param, String buffer) {
        Map<String, double[]> byName = state.buffers().get(param);
        double[] v = byName == null ? null : byName.get(buffer);
        if (v == null || v.length != target.getShape().size()) {
            throw new IllegalArgumentException("saved optimizer state has no buffer '" + buffer + "' of "
                    + target.getShape().size() + " values for parameter '" + param + "'");
        }
        try (NDArray src = Tensors.create(target.getManager(), v, target.getShape(), target.getDataType())) {
            target.set(src.toByteBuffer());
        }
    }
}
