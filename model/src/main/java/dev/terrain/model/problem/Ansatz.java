package dev.terrain.model.problem;

import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;

/**
 * Hard boundary ansatz u(x; theta) = B(x) NN(x; theta) + g(x) (paper 000, e.g. B = prod x_i (x_i - 1)).
 * Both functions are written with jet arithmetic on the input jet, so their derivatives are exact.
 */
public interface Ansatz {
    /** B(x) as a jet of the input jet. */
    Jet factor(Jet x, Scalars c);

    /** g(x) as a jet, or null when g = 0. */
    default Jet shift(Jet x, Scalars c) {
        return null;
    }
}
