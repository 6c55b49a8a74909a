package dev.terrain.model.train;

import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Sampler;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A run's host batches as pure functions of (sampling seed, step): the batch of step n is drawn from its
 * own {@code SplittableRandom(mix(seed, n))}, never from a stream shared across steps, so a run resumed
 * at step n draws exactly the batches the uninterrupted run drew, and any thread may draw any step's
 * batch ahead of time. Immutable; every call returns fresh arrays.
 *
 * <p>Point sets are drawn one after the other from the step's generator in the objective's order of
 * point sets.
 */
public final class Batches implements BatchSource {
    /** 2^64 / golden ratio, the increment of SplitMix64's Weyl sequence. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final Domain domain;
    private final Map<String, Region> pointSets;
    private final Map<String, SetSampling> sampling;
    private final long seed;

    /** @param pointSets the regions to sample, in drawing order; every one needs a {@code sampling} entry */
    public Batches(Domain domain, Map<String, Region> pointSets, Map<String, SetSampling> sampling, long seed) {
        for (String set : pointSets.keySet()) {
            if (!sampling.containsKey(set)) {
                throw new IllegalArgumentException("sampling." + set + " is missing: the loss needs point sets "
                        + pointSets.keySet());
            }
        }
        this.domain = domain;
        this.pointSets = Collections.unmodifiableMap(new LinkedHashMap<>(pointSets));
        this.sampling = Map.copyOf(sampling);
        this.seed = seed;
    }

    /** The batches of {@code objective}'s point sets. */
    public static Batches of(Objective objective, Map<String, SetSampling> sampling, long seed) {
        for (String set : objective.pointSets().keySet()) {
            if (!sampling.containsKey(set)) {
                throw new IllegalArgumentException("sampling." + set + " is missing: problem '"
                        + objective.problem().id() + "' needs point sets " + objective.pointSets().keySet());
            }
        }
        return new Batches(objective.problem().domain(), objective.pointSets(), sampling, seed);
    }

    public long seed() {
        return seed;
    }

    /** The resampled batch of step {@code step}: a function of (seed, step) alone. */
    public Map<String, HostPoints> at(long step) {
        return draw(new SplittableRandom(mix(seed, step)));
    }

    /** {@link #at}, as a {@link BatchSource}. */
    @Override
    public Map<String, HostPoints> batch(long step) {
        return at(step);
    }

    /** The batch of a run that never resamples: drawn from the seed itself. */
    public Map<String, HostPoints> fixed() {
        return draw(new SplittableRandom(seed));
    }

    /**
     * The batch logged losses and probes of a resampling run are measured on: its own stream (from the
     * complement of the seed), so it is none of the training batches and evaluating never shifts them.
     */
    public Map<String, HostPoints> monitor() {
        return draw(new SplittableRandom(~seed));
    }

    /**
     * SplitMix64's output function (Steele, Lea and Flood, "Fast splittable pseudorandom number
     * generators", OOPSLA 2014) at seed + step * golden: an avalanching bijection, so neighbouring
     * steps and neighbouring seeds give unrelated generators.
     */
    static long mix(long seed, long step) {
        long z = seed + step * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private Map<String, HostPoints> draw(SplittableRandom rng) {
        Map<String, HostPoints> host = new LinkedHashMap<>();
        for (Map.Entry<String, Region> e : pointSets.entrySet()) {
            SetSampling s = sampling.get(e.getKey());
            host.put(e.getKey(), Sampler.sample(domain, e.getValue(), s.rule(), s.points(), rng));
        }
        return Collections.unmodifiableMap(host);
    }
}
