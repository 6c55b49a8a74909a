package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.List;

/**
 * A network whose output layer is followed by an activation: u = sigma(Phi(x) W + b). The output
 * layer is no longer linear in (W, b), so {@link #outputLayerIndex()} is -1.
 */
final class ActivatedOutput implements Network {
    private final Network inner;
    private final Activation activation;
    private final double rho;

    ActivatedOutput(Network inner, Activation activation, double rho) {
        this.inner = inner;
        this.activation = activation;
        this.rho = rho;
    }

    @Override
    public Jet forward(Jet input, List<NDArray> params, Scalars c) {
        return inner.forward(input, params, c).apply(activation, rho, c);
    }

    @Override
    public Jet hidden(Jet input, List<NDArray> params, Scalars c) {
        return inner.hidden(input, params, c);
    }

    @Override
    public int outputLayerIndex() {
        return -1;
    }

    @Override
    public Parameters parameters() {
        return inner.parameters();
    }

    @Override
    public int inputDim() {
        return inner.inputDim();
    }

    @Override
    public int outputDim() {
        return inner.outputDim();
    }
}
