package dev.terrain.model.train;

import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import java.util.SplittableRandom;

/** Points for the relative L2 error: a uniform grid in d <= 2, fixed Monte Carlo points above. */
public final class TestSet {
    private TestSet() {}

    /** About {@code points} evaluation points in the domain, independent of training samples. */
    public static HostPoints of(Domain domain, int points) {
        if (domain instanceof Domain.Box box && box.dim() <= 2) {
            return Sampler.sample(domain, Region.INTERIOR, Rule.GRID, points, new SplittableRandom(0));
        }
        return Sampler.sample(domain, Region.INTERIOR, Rule.MONTE_CARLO, points, new SplittableRandom(0x7e57));
    }
}
