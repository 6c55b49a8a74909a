package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import java.util.List;

/**
 * An affine layer {@code x W + b}, W of shape [in, out], registered in a {@link Parameters} set. It
 * reads its weight and bias by position from the parameter list it is given, so the same network
 * evaluates its own parameters or a batch of P perturbed copies (W [P, in, out], b [P, 1, out]).
 */
final class Dense {
    private final int index;

    Dense(Parameters params, String group, Affine init) {
        this.index = params.list().size();
        params.add(group + ".W", group, Param.Kind.WEIGHT, new Shape(init.in(), init.out()), init.weight());
        params.add(group + ".b", group, Param.Kind.BIAS, new Shape(init.out()), init.bias());
    }

    /** Index of W in the parameter list; b follows it. */
    int index() {
        return index;
    }

    Jet apply(Jet x, List<NDArray> params) {
        return x.linear(params.get(index), params.get(index + 1));
    }
}
