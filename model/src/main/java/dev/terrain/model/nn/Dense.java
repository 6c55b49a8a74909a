package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import java.util.SplittableRandom;

/** An affine layer {@code x W + b}, W of shape [in, out], registered in a {@link Parameters} set. */
final class Dense {
    final NDArray weight;
    final NDArray bias;

    Dense(Parameters params, String group, int in, int out, Initializer init, SplittableRandom rng) {
        this.weight = params.add(group + ".W", group, Param.Kind.WEIGHT, new Shape(in, out),
                init.weights(in, out, rng));
        this.bias = params.add(group + ".b", group, Param.Kind.BIAS, new Shape(out), new double[out]);
    }

    Jet apply(Jet x) {
        return x.linear(weight, bias);
    }
}
