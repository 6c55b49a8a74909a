package dev.terrain.model.train;

import dev.terrain.model.quad.Rule;

/** How one point set is sampled: rule and (approximate) number of points. */
public record SetSampling(Rule rule, int points) {
    public SetSampling {
        if (points < 1) {
            throw new IllegalArgumentException("points must be positive, got " + points);
        }
    }
}
