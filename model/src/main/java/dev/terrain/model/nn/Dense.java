package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An affine layer {@code x W + b}, W of shape [in, out], registered in a {@link Parameters} set. It
 * reads its weight and bias by position from the parameter list it is given, so the same network
 * evaluates its own parameters or a batch of P perturbed copies (W [P, in, out], b [P, 1, out]).
 */
final class Dense {
    private final int index;

    Dense(Parameters params, String group, int in, int out, Initializer init, SplittableRandom rng) {
        this.index = params.list().size();
        params.add(group + ".W", group, Param.Kind.WEIGHT, new Shape(in, out), init.weights(in, out, rng));
        params.add(group + ".b", group, Param.Kind.BIAS, new Shape(out), new double[out]);
    }

    Jet apply(Jet x, List<NDArray> params) {
        return x.linear(params.get(index), params.get(index + 1));
    }
}
