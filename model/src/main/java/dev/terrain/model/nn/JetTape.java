package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Jet;

/**
 * A network's jet forward pass run without autograd, keeping what its hand-written reverse pass needs
 * (SPEC section 3.2: parameter gradients need only first-order reverse mode, and for the layers whose
 * rules are fixed that reverse pass can be written out once instead of being recorded op by op).
 *
 * <p>Use: run the loss that reads {@link #output()} under autograd with the output's arrays as leaves,
 * then hand the leaves' gradients to {@link #backward}, which adds d loss / d theta to the gradients of
 * the parameter arrays the tape was made with. Both calls belong in the caller's step scope: the tape's
 * arrays are that scope's.
 */
public interface JetTape {
    /** The network's output jet (made without autograd: its arrays have no graph behind them). */
    Jet output();

    /**
     * Adds the parameter gradient of a scalar loss to the parameters' gradient buffers, given the loss's
     * gradient with respect to the output jet's value, first and second derivatives (null where the loss
     * did not read that component; each has that component's shape, or that shape broadcast over the points).
     * Run it outside gradient recording.
     */
    void backward(NDArray valueBar, NDArray gradBar, NDArray hessBar);
}
