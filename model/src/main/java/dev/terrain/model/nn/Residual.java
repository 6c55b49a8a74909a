package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The residual network of paper 004, eq. (5): L hidden layers of constant width w,
 * Phi = (I + sigma o T_L) o ... o (I + sigma o T_2) o (sigma o T_1) with T_l(x) = x W_l + b_l, and a
 * linear output NN(x) = Phi(x) W + b (eq. (3)). With L = 1 it is a single hidden layer sigma(T_1).
 * Parameter groups {@code hidden0} (T_1), {@code hidden1} .. {@code hidden(L-1)} (T_2 .. T_L) and
 * {@code output}; d w + w + (L - 1)(w^2 + w) + w out + out parameters for input width d (after
 * Fourier features). Under {@link Initializer#BOX} the layers follow Algorithm 3 of paper 004.
 */
public final class Residual implements Network {
    private final Parameters params;
    private final Dense first;
    private final List<Dense> residual = new ArrayList<>();
    private final Dense output;
    private final Activation activation;
    private final double rho;
    private final FourierFeatures features;
    private final int inputDim;
    private final int outputDim;

    /** @param depth L, the number of hidden layers (at least 1) */
    public Residual(Parameters params, int inputDim, int width, int depth, int outputDim, Activation activation,
            double rho, FourierFeatures features, Initializer init, SplittableRandom rng) {
        if (depth < 1) {
            throw new IllegalArgumentException("residual network needs depth >= 1 hidden layers, got " + depth);
        }
        this.params = params;
        this.activation = activation;
        this.rho = rho;
        this.features = features;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        int featureDim = features == null ? inputDim : features.outputDim(inputDim);
        this.first = new Dense(params, "hidden0", init.plainHidden(featureDim, width, rng));
        for (int l = 2; l <= depth; l++) {
            residual.add(new Dense(params, "hidden" + (l - 1), init.residualHidden(width, l, depth, rng)));
        }
        this.output = new Dense(params, "output", init.output(width, outputDim, rng));
    }

    @Override
    public Jet forward(Jet input, List<NDArray> p, Scalars c) {
        return output.apply(hidden(input, p, c), p);
    }

    @Override
    public Jet hidden(Jet input, List<NDArray> p, Scalars c) {
        Jet x = features == null ? input : features.apply(input, c);
        Jet h = first.apply(x, p).apply(activation, rho, c);
        for (Dense layer : residual) {
            h = h.plus(layer.apply(h, p).apply(activation, rho, c));
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
