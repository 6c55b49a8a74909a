package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ResNet of paper 000 (section II.A): L^0 = W^0 x + b^0; block i:
 * L^{i+1} = L^i + sigma(W_2^i sigma(W_1^i L^i + b_1^i) + b_2^i); output L^{N+1} = W^{N+1} L^N + b^{N+1}.
 * Parameter count 2N w^2 + (d + 2N + 2) w + 1 for input dimension d (before Fourier features).
 */
public final class ResNet implements Network {
    private final Parameters params;
    private final Dense input;
    private final List<Dense[]> blocks = new ArrayList<>();
    private final Dense output;
    private final Activation activation;
    private final double rho;
    private final FourierFeatures features;
    private final int inputDim;
    private final int outputDim;

    public ResNet(Parameters params, int inputDim, int width, int blockCount, int outputDim,
            Activation activation, double rho, FourierFeatures features, Initializer init, SplittableRandom rng) {
        this.params = params;
        this.activation = activation;
        this.rho = rho;
        this.features = features;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        int featureDim = features == null ? inputDim : features.outputDim(inputDim);
        this.input = new Dense(params, "input", init.layer(featureDim, width, rng));
        for (int i = 0; i < blockCount; i++) {
            blocks.add(new Dense[] {
                new Dense(params, "block" + i + ".1", init.layer(width, width, rng)),
                new Dense(params, "block" + i + ".2", init.layer(width, width, rng))
            });
        }
        this.output = new Dense(params, "output", init.output(width, outputDim, rng));
    }

    @Override
    public Jet forward(Jet x, List<NDArray> p, Scalars c) {
        return output.apply(hidden(x, p, c), p);
    }

    /** L^N, the input of the output layer. */
    @Override
    public Jet hidden(Jet x, List<NDArray> p, Scalars c) {
        Jet l = input.apply(features == null ? x : features.apply(x, c), p);
        for (Dense[] block : blocks) {
            Jet inner = block[0].apply(l, p).apply(activation, rho, c);
            l = l.plus(block[1].apply(inner, p).apply(activation, rho, c));
        }
        return l;
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
