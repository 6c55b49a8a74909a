package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import java.util.List;
import dev.terrain.model.tensor.Scalars;

/**
 * A network u = NN(x; theta) that propagates a second-order jet of its input (SPEC section 3.2):
 * the derivatives with respect to x come out of one forward pass, and only the parameter gradient
 * needs reverse mode.
 */
public interface Network {
    /** The network's parameters, in snapshot/checkpoint order. */
    Parameters parameters();

    /** Input dimension d. */
    int inputDim();

    /** Output dimension (1 unless a problem asks for more). */
    int outputDim();

    /** Propagates the jet of the input points through the network with its own parameters. */
    default Jet forward(Jet input, Scalars c) {
        return forward(input, parameters().arrays(), c);
    }

    /**
     * Propagates the jet with the given parameter arrays, in {@link Parameters} order. Each may carry a
     * leading batch axis of P parameter sets (weights [P, in, out], biases [P, 1, out]); the output jet
     * then has shape [P, B, n] (derivatives [d, P, B, n]): P networks evaluated in one pass.
     */
    Jet forward(Jet input, List<NDArray> params, Scalars c);
}
