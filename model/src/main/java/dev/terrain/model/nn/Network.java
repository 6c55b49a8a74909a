package dev.terrain.model.nn;

import dev.terrain.model.jet.Jet;
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

    /** Propagates the jet of the input points through the network. */
    Jet forward(Jet input, Scalars c);
}
