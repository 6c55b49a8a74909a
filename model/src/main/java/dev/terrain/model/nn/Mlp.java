package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fully connected network. With {@code liftInput = false} it is the plain MLP of paper 001,
 * h_1 = sigma(x W_0 + b_0), h_{k+1} = sigma(h_k W_k + b_k), output linear. With
 * {@code liftInput = true} it is paper 000's FCNet: L^0 = W^0 x + b^0 (no activation), then
 * L^{i+1} = sigma(W^i L^i + b^i), output linear; with 2N activated layers of width w it has
 * 2N w^2 + (d + 2N + 2) w + 1 parameters, as the ResNet with N blocks.
 */
public final class Mlp implements Network {
    private final Parameters params;
    private final List<Dense> layers = new ArrayList<>();
    private final Activation activation;
    private final double rho;
    private final boolean liftInput;
    private final FourierFeatures features;
    private final int inputDim;
    private final int outputDim;

    /**
     * @param sizes layer widths from the network input (after Fourier features) to the output,
     *     e.g. [2, 50, 50, 50, 1]
     */
    public Mlp(Parameters params, int inputDim, List<Integer> sizes, Activation activation, double rho,
            boolean liftInput, FourierFeatures features, Initializer init, SplittableRandom rng) {
        this.params = params;
        this.activation = activation;
        this.rho = rho;
        this.liftInput = liftInput;
        this.features = features;
        this.inputDim = inputDim;
        this.outputDim = sizes.get(sizes.size() - 1);
        for (int i = 0; i + 1 < sizes.size(); i++) {
            layers.add(new Dense(params, "layer" + i, sizes.get(i), sizes.get(i + 1), init, rng));
        }
    }

    @Override
    public Jet forward(Jet input, List<NDArray> p, Scalars c) {
        Jet h = features == null ? input : features.apply(input, c);
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).apply(h, p);
            boolean output = i == layers.size() - 1;
            boolean lift = liftInput && i == 0;
            if (!output && !lift) {
                h = h.apply(activation, rho, c);
            }
        }
        return h;
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
