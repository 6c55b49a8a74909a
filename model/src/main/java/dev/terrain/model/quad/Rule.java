package dev.terrain.model.quad;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the points of a set are placed (SPEC section 3.4). */
public enum Rule {
    /** Composite Simpson's rule on a uniform grid (paper 000, 1D); a tensor product of it in d > 1. */
    SIMPSON("simpson"),
    /** Uniform tensor grid of cell midpoints with equal weights. */
    GRID("grid"),
    /** Monte Carlo: points i.i.d. uniform in the region, equal weights. */
    MONTE_CARLO("monte-carlo");

    private final String id;

    Rule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Rule byId(String id) {
        String key = id.toLowerCase(Locale.ROOT);
        for (Rule r : values()) {
            if (r.id.equals(key)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown quadrature rule '" + id + "'; valid: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Rule::id).collect(Collectors.joining(", "));
    }
}
