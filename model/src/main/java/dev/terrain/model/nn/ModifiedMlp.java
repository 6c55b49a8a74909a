package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The modified MLP of paper 001 (improved fully connected architecture): U = sigma(X W^1 + b^1),
 * V = sigma(X W^2 + b^2), H^(1) = sigma(X W^{z,1} + b^{z,1}), Z^(k) = sigma(H^(k) W^{z,k} + b^{z,k}),
 * H^(k+1) = (1 - Z^(k)) . U + Z^(k) . V for k = 1..L, output f = H^(L+1) W + b.
 */
public final class ModifiedMlp implements Network {
    private final Parameters params;
    private final Dense encoderU;
    private final Dense encoderV;
    private final Dense first;
    private final List<Dense> gates = new ArrayList<>();
    private final Dense output;
    private final Activation activation;
    private final double rho;
    private final FourierFeatures features;
    private final int inputDim;
    private final int outputDim;

    public ModifiedMlp(Parameters params, int inputDim, int width, int depth, int outputDim,
            Activation activation, double rho, FourierFeatures features, Initializer init, SplittableRandom rng) {
        this.params = params;
        this.activation = activation;
        this.rho = rho;
        this.features = features;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        int featureDim = features == null ? inputDim : features.outputDim(inputDim);
        this.encoderU = new Dense(params, "encoderU", init.layer(featureDim, width, rng));
        this.encoderV = new Dense(params, "encoderV", init.layer(featureDim, width, rng));
        this.first = new Dense(params, "hidden0", init.layer(featureDim, width, rng));
        for (int k = 1; k <= depth; k++) {
            gates.add(new Dense(params, "hidden" + k, init.layer(width, width, rng)));
        }
        this.output = new Dense(params, "output", init.output(width, outputDim, rng));
    }

    @Override
    public Jet forward(Jet input, List<NDArray> p, Scalars c) {
        return output.apply(hidden(input, p, c), p);
    }

    /** H^(L+1), the input of the output layer. */
    @Override
    public Jet hidden(Jet input, List<NDArray> p, Scalars c) {
        Jet x = features == null ? input : features.apply(input, c);
        Jet u = encoderU.apply(x, p).apply(activation, rho, c);
        Jet v = encoderV.apply(x, p).apply(activation, rho, c);
        Jet vMinusU = v.minus(u);
        Jet h = first.apply(x, p).apply(activation, rho, c);
        for (Dense gate : gates) {
            Jet z = gate.apply(h, p).apply(activation, rho, c);
            // (1 - Z) . U + Z . V = U + Z . (V - U): one product instead of two.
            h = u.plus(z.times(vMinusU, c));
        }
        return h;
    }

    @Override
    public int outputLayerIndex() {
        return output.index();
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputDim() {
        return outputDim;
    }
}
