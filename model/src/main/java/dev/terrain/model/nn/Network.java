package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.List;
import java.util.Optional;

/**
 * A network u = NN(x; theta) that propagates a second-order jet of its input (SPEC section 3.2):
 * the derivatives with respect to x come out of one forward pass, and only the parameter gradient
 * needs reverse mode.
 *
 * <p>Every network is a hidden part followed by an output layer, paper 004 eq. (3):
 * NN(x) = sum_i xi^L_i Phi_i(x; xi^H). With a linear output layer (the default),
 * {@code forward(x) == hidden(x) W + b} exactly, W and b being the arrays at
 * {@link #outputLayerIndex()} and the next index; an output activation makes the network
 * sigma(hidden(x) W + b) and {@link #outputLayerIndex()} -1.
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

    /**
     * The hidden part: the basis Phi(x) of paper 004 eq. (3) as a jet of width w (the input of the
     * output layer), for the given params (batched as in {@link #forward(Jet, List, Scalars)}).
     */
    Jet hidden(Jet input, List<NDArray> params, Scalars c);

    /**
     * The jet forward pass with {@code params} (unbatched: no leading P axis) run outside gradient
     * recording, with a hand-written reverse pass ({@link JetTape}); empty when this network has none (its
     * layers or activation have no written-out rule), and the caller then records the pass with autograd.
     * Either way the gradient is the same to rounding.
     */
    default Optional<JetTape> tape(Jet input, List<NDArray> params, Scalars c) {
        return Optional.empty();
    }

    /**
     * Index in {@code parameters().list()} of the output layer's weight W [w, outputDim]; its bias
     * b [outputDim] is at index + 1; or -1 when the output layer is not linear (an output activation
     * is applied).
     */
    int outputLayerIndex();
}
