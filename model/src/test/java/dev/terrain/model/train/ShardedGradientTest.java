package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Param;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel evaluation ({@link ShardedGradient}, {@code train.shards}): the loss and gradient of a
 * batch in parts, each part on its own thread, equal those of the batch in one piece up to the order of
 * summation (1e-12 relative in float64), and training with parts follows the one-piece trajectory.
 * 1D Poisson with a soft boundary (an interior set split across parts, a 2-point boundary set kept whole),
 * residual loss, float64. Garbage is collected between every part's forward and reverse pass.
 */
class ShardedGradientTest {
    private static final Runnable GC = () -> {
        System.gc();
        byte[][] junk = new byte[64][];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = new byte[1 << 14];
        }
    };

    private static Objective poisson(NDManager m) {
        return Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                Fixture.spec("mlp", 0, 0, List.of(20, 20), Activation.TANH, Initializer.GLOROT_NORMAL), 5);
    }

    private static Map<String, HostPoints> host(Objective obj, int interior) {
        return Batches.of(obj, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, interior),
                "boundary", new SetSampling(Rule.MONTE_CARLO, 2)), 3).fixed();
    }

    /** The parameters' gradients as one flat vector, then zeroed. */
    private static double[] takeGradient(Objective obj) {
        List<Double> out = new ArrayList<>();
        for (Param p : obj.network().parameters().list()) {
            try (NDArray g = p.array().getGradient()) {
                for (double v : Tensors.toDoubles(g)) {
                    out.add(v);
                }
                g.subi(g);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void partsGiveTheOnePieceLossAndGradient() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = poisson(m);
            Map<String, HostPoints> host = host(obj, 1000);
            double total;
            Map<String, Double> terms = new java.util.LinkedHashMap<>();
            try (Autograd.Recording rec = Autograd.record()) {
                LossValues one = obj.evaluate(obj.toDevice(host, m));
                GC.run();
                rec.backward(one.total());
                total = one.total().getDouble();
                one.terms().forEach((name, v) -> terms.put(name, v.getDouble()));
            }
            assertThat(terms).as("a term on each set").hasSize(2);
            double[] expected = takeGradient(obj);
            assertThat(maxAbs(expected)).as("a gradient to compare").isGreaterThan(1e-3);

            // Each part's network pass with the hand-written reverse pass (taped) and recorded by autograd.
            for (int run = 0; run < 4; run++) {
                int shards = run % 2 == 0 ? 2 : 3;
                boolean taped = run >= 2;
                List<Map<String, PointSet>> parts = obj.toDeviceShards(host, shards, 64, m);
                assertThat(parts).hasSize(shards);
                ShardedGradient sharded = new ShardedGradient(obj.network().parameters(), taped).betweenPasses(GC);
                // Twice: the second call reuses the detached views, whose gradients the first call zeroed.
                for (int round = 0; round < 2; round++) {
                    LossValues loss = sharded.lossAndGradient(obj, parts);
                    assertThat(loss.total().getDouble()).as("total, %d parts, taped %s", shards, taped).isCloseTo(total, within(1e-12 * total));
                    assertThat(loss.terms().keySet()).containsExactlyElementsOf(terms.keySet());
                    terms.forEach((name, v) -> assertThat(loss.terms().get(name).getDouble()).as(name)
                            .isCloseTo(v, within(1e-12 * v)));
                    double[] g = takeGradient(obj);
                    for (int i = 0; i < g.length; i++) {
                        assertThat(g[i]).as("gradient %d, %d parts, taped %s, round %d", i, shards, taped, round)
                                .isCloseTo(expected[i], within(1e-12 * maxAbs(expected)));
                    }
                }
            }
        }
    }

    @Test
    void bigSetsAreCutEvenlySmallOnesGoWholeToTheLeastLoadedPartAndWeightsStayNormalisedOverTheSet() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = poisson(m);
            Map<String, HostPoints> host = host(obj, 1000);
            List<Map<String, PointSet>> three = obj.toDeviceShards(host, 3, 64, m);
            assertThat(three.stream().map(p -> p.get("interior").size()).toList()).containsExactly(333L, 333L, 334L);
            // Loads after the interior cut are 333, 333, 334: the 2 boundary points join part 0.
            assertThat(three.stream().map(p -> p.containsKey("boundary")).toList()).containsExactly(true, false, false);
            double weights = 0;
            for (Map<String, PointSet> p : three) {
                weights += p.get("interior").weights().sum().getDouble();
            }
            assertThat(weights).as("residual weights of the whole set sum to one").isCloseTo(1.0, within(1e-14));

            // 100 points are fewer than 2 x 64: nothing is cut and both sets land in different parts.
            List<Map<String, PointSet>> small = obj.toDeviceShards(host(obj, 100), 2, 64, m);
            assertThat(small).hasSize(2);
            assertThat(small.get(0).keySet()).containsExactly("interior");
            assertThat(small.get(1).keySet()).containsExactly("boundary");
            assertThat(small.get(0).get("interior").weights().sum().getDouble()).isCloseTo(1.0, within(1e-14));
        }
    }

    @Test
    void aFailingPartFailsTheCallWithItsMessageAfterEveryPartIsDone() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = poisson(m);
            List<Map<String, PointSet>> parts = new ArrayList<>(obj.toDeviceShards(host(obj, 1000), 2, 64, m));
            parts.add(Map.of());
            ShardedGradient sharded = new ShardedGradient(obj.network().parameters(), true);
            assertThatThrownBy(() -> sharded.lossAndGradient(obj, parts))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no point set");
            takeGradient(obj);
            // The pool and the views still work.
            LossValues loss = sharded.lossAndGradient(obj, parts.subList(0, 2));
            assertThat(loss.total().getDouble()).isPositive();
        }
    }

    private static Trainer trainer(NDManager m, boolean resample, int interior, int shards) {
        Objective obj = poisson(m);
        Adam adam = new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8);
        return new Trainer(obj, adam, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, interior),
                "boundary", new SetSampling(Rule.MONTE_CARLO, 2)), resample, 7, 51, m)
                .withShards(shards).betweenShardPasses(GC);
    }

    @Test
    void trainingInPartsFollowsTheOnePieceTrajectory() {
        for (boolean resample : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Trainer one = trainer(m, resample, 800, 1);
                Trainer two = trainer(m, resample, 800, 2);
                double[] start = one.objective().network().parameters().toFlat();
                assertThat(two.objective().network().parameters().toFlat()).containsExactly(start);
                for (int i = 0; i < 40; i++) {
                    StepReport a = one.train(true);
                    StepReport b = two.train(true);
                    assertThat(b.total()).as("loss at step %d, resample %s", i, resample)
                            .isCloseTo(a.total(), within(1e-11 * a.total()));
                }
                double[] x = one.objective().network().parameters().toFlat();
                double[] y = two.objective().network().parameters().toFlat();
                double moved = 0;
                for (int i = 0; i < x.length; i++) {
                    assertThat(y[i]).as("theta %d, resample %s", i, resample).isCloseTo(x[i], within(1e-9));
                    moved = Math.max(moved, Math.abs(x[i] - start[i]));
                }
                assertThat(moved).as("the runs moved").isGreaterThan(0.05);
            }
        }
    }

    @Test
    void aBatchTooSmallToCutTrainsInOnePieceBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 100 interior points < 2 x 64: the sets would only be dealt out whole, interior alone in part 0
            // and the boundary in part 1, which is still two parts; with one set there is nothing to split.
            Objective a = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    Fixture.spec("mlp", 0, 0, List.of(8, 8), Activation.TANH, Initializer.GLOROT_NORMAL), 2);
            Objective b = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    Fixture.spec("mlp", 0, 0, List.of(8, 8), Activation.TANH, Initializer.GLOROT_NORMAL), 2);
            Trainer one = new Trainer(a, new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8),
                    Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 100)), false, 7, 51, m);
            Trainer two = new Trainer(b, new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8),
                    Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 100)), false, 7, 51, m).withShards(2);
            for (int i = 0; i < 10; i++) {
                one.train(false);
                two.train(false);
            }
            assertThat(b.network().parameters().toFlat()).containsExactly(a.network().parameters().toFlat());
        }
    }
}
