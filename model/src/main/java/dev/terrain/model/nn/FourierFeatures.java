package dev.terrain.model.nn;

import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * Fourier feature input map of paper 003 (section 4): per coordinate,
 * delta(x) = [sin(2^i pi x), cos(2^i pi x)] for every configured i, optionally preceded by x itself
 * (the 2D form delta(x) = [x, sin(2^i pi x), cos(2^i pi x)]).
 */
public final class FourierFeatures {
    private final List<Integer> exponents;
    private final boolean includeInput;

    public FourierFeatures(List<Integer> exponents, boolean includeInput) {
        if (exponents.isEmpty()) {
            throw new IllegalArgumentException("Fourier features need at least one frequency exponent");
        }
        this.exponents = List.copyOf(exponents);
        this.includeInput = includeInput;
    }

    /** Feature dimension for input dimension d. */
    public int outputDim(int d) {
        return d * (2 * exponents.size() + (includeInput ? 1 : 0));
    }

    public Jet apply(Jet x, Scalars c) {
        List<Jet> parts = new ArrayList<>();
        if (includeInput) {
            parts.add(x);
        }
        for (int i : exponents) {
            Jet arg = x.scale(c.of(Math.pow(2.0, i) * Math.PI));
            parts.add(arg.apply(Activation.SIN, c));
            // cos z = sin(z + pi/2): the same jet rule, no separate cosine activation needed.
            parts.add(new Jet(arg.value().add(c.of(Math.PI / 2)), arg.grad(), arg.hess(), arg.order())
                    .apply(Activation.SIN, c));
        }
        return Jet.concat(parts.toArray(new Jet[0]));
    }
}
