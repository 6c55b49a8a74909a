package dev.terrain.model.optim;

import dev.terrain.model.nn.Param;
import java.util.Map;

/** Reads the plain vectors of an {@link OptimizerState} back, checked against the parameters they belong to. */
final class Buffers {
    private Buffers() {}

    /** A parameter's saved buffer as a host vector; fails naming it when it is missing or of the wrong size. */
    static double[] host(OptimizerState state, Param param, String buffer) {
        Map<String, double[]> byName = state.buffers().get(param.name());
        double[] v = byName == null ? null : byName.get(buffer);
        if (v == null || v.length != param.size()) {
            throw new IllegalArgumentException("saved optimizer state has no buffer '" + buffer + "' of "
                    + param.size() + " values for parameter '" + param.name() + "'");
        }
        return v.clone();
    }
}
