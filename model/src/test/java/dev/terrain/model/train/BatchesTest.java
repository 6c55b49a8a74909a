package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Batches}: every step's batch is a pure function of (seed, step), the same from any instance or thread. */
class BatchesTest {
    private static final Domain SQUARE = Domain.Box.unit(2);

    private static Batches batches(long seed) {
        Map<String, Region> sets = new LinkedHashMap<>();
        sets.put("interior", Region.INTERIOR);
        sets.put("boundary", Region.BOUNDARY);
        return new Batches(SQUARE, sets, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 50),
                "boundary", new SetSampling(Rule.MONTE_CARLO, 20)), seed);
    }

    private static void assertSame(Map<String, HostPoints> a, Map<String, HostPoints> b) {
        assertThat(a.keySet()).containsExactlyInAnyOrderElementsOf(b.keySet());
        for (String set : a.keySet()) {
            assertThat(a.get(set).x()).as("%s x", set).containsExactly(b.get(set).x());
            assertThat(a.get(set).w()).as("%s w", set).containsExactly(b.get(set).w());
        }
    }

    @Test
    void theBatchOfAStepIsTheSameFromTwoInstancesAndDiffersFromItsNeighbours() {
        Batches one = batches(7);
        Batches other = batches(7);
        for (long step : new long[] {0, 1, 2, 1_000_003}) {
            Map<String, HostPoints> a = one.at(step);
            assertSame(a, other.at(step));
            assertSame(a, one.at(step));
            Map<String, HostPoints> next = one.at(step + 1);
            for (String set : a.keySet()) {
                assertThat(next.get(set).x()).as("%s at %d and %d", set, step, step + 1)
                        .isNotEqualTo(a.get(set).x());
            }
            assertThat(a.get("interior").n()).isEqualTo(50);
            for (double v : a.get("boundary").x()) {
                assertThat(v).as("in the unit square").isBetween(0.0, 1.0);
            }
        }
        assertThat(batches(8).at(3).get("interior").x()).as("another seed").isNotEqualTo(one.at(3).get("interior").x());
    }

    /** The fixed batch is what the trainer drew before batches were per step: the sets in order from one stream. */
    @Test
    void theFixedBatchIsDrawnFromTheSeedItselfInPointSetOrder() {
        SplittableRandom rng = new SplittableRandom(7);
        HostPoints interior = Sampler.sample(SQUARE, Region.INTERIOR, Rule.MONTE_CARLO, 50, rng);
        HostPoints boundary = Sampler.sample(SQUARE, Region.BOUNDARY, Rule.MONTE_CARLO, 20, rng);
        assertThat(batches(7).fixed().keySet()).containsExactly("interior", "boundary");
        assertSame(batches(7).fixed(), Map.of("interior", interior, "boundary", boundary));
        assertThat(batches(7).monitor().get("interior").x()).isNotEqualTo(interior.x());
    }

    @Test
    void neighbouringStepsAndSeedsGetUnrelatedGenerators() {
        List<Long> seeds = new ArrayList<>();
        for (long step = 0; step < 4; step++) {
            seeds.add(Batches.mix(7, step));
            seeds.add(Batches.mix(8, step));
        }
        assertThat(seeds).doesNotHaveDuplicates();
        // An avalanching mix flips about half of the 64 bits between neighbouring steps.
        for (long step = 0; step < 100; step++) {
            int flipped = Long.bitCount(Batches.mix(7, step) ^ Batches.mix(7, step + 1));
            assertThat(flipped).as("bits flipped from step %d", step).isBetween(12, 52);
        }
    }

    @Test
    void threadsDrawingAheadGetExactlyTheSequentialBatches() throws Exception {
        Batches shared = batches(21);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Map<String, HostPoints>>> ahead = new ArrayList<>();
            for (long step = 0; step < 64; step++) {
                long s = step;
                ahead.add(pool.submit(() -> shared.at(s)));
            }
            for (int step = 0; step < 64; step++) {
                assertSame(ahead.get(step).get(1, TimeUnit.MINUTES), batches(21).at(step));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPointSetWithoutSamplingIsNamed() {
        assertThatThrownBy(() -> new Batches(SQUARE, Map.of("interior", Region.INTERIOR), Map.of(), 1))
                .hasMessageContaining("sampling.interior is missing");
    }
}
