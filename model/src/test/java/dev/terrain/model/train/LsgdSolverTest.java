package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.Rule;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * LSGD's host solve is pluggable: a solver that hands each assembled system to another thread and
 * returns that thread's answer gives the run of the default local solve bit for bit, and is called
 * once per least-squares solve (paper 004 Algorithm 1: once before the first step, then once a step).
 * 1D Poisson, residual loss, float64, Adam on the hidden layers.
 */
class LsgdSolverTest {
    private static final int STEPS = 5;

    private static Lsgd lsgd(Objective obj, LeastSquaresSolver solver) {
        return new Lsgd(obj, new Adam(new Schedule.Constant(5e-3), 0.9, 0.999, 1e-8), solver);
    }

    private static Objective objective(NDManager m) {
        return Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                Fixture.spec("mlp", 0, 0, List.of(6, 6), Activation.TANH, Initializer.GLOROT_NORMAL), 11);
    }

    private static double[] run(NDManager m, Function<Objective, Lsgd> method) {
        Objective obj = objective(m);
        Trainer t = Fixture.trainer(m, obj, method.apply(obj), Rule.MONTE_CARLO, 40);
        for (int i = 0; i < STEPS; i++) {
            t.train(false);
        }
        return obj.network().parameters().toFlat();
    }

    @Test
    void aSolverOnAnotherThreadGivesTheDefaultRunBitForBit() {
        ExecutorService solverThread = Executors.newSingleThreadExecutor();
        AtomicLong calls = new AtomicLong();
        Set<Thread> solvedOn = ConcurrentHashMap.newKeySet();
        LeastSquaresSolver remote = system -> {
            calls.incrementAndGet();
            try {
                return solverThread.submit(() -> {
                    solvedOn.add(Thread.currentThread());
                    return LeastSquaresSolver.LOCAL.solve(system);
                }).get();
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException(e);
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            double[] local = run(m, o -> new Lsgd(o, new Adam(new Schedule.Constant(5e-3), 0.9, 0.999, 1e-8)));
            Lsgd[] method = new Lsgd[1];
            double[] elsewhere = run(m, o -> method[0] = lsgd(o, remote));

            assertThat(elsewhere).containsExactly(local);
            assertThat(calls.get()).isEqualTo(method[0].solves()).isEqualTo(STEPS + 1);
            assertThat(solvedOn).hasSize(1).doesNotContain(Thread.currentThread());
        } finally {
            solverThread.shutdownNow();
        }
    }

    @Test
    void theSystemHandedToTheSolverIsAPrivateCopy() {
        try (NDManager m = NDManager.newBaseManager()) {
            LeastSquaresHead.LinearSystem[] seen = new LeastSquaresHead.LinearSystem[1];
            double[] clobbered = run(m, o -> lsgd(o, system -> {
                seen[0] = system;
                double[][] x = LeastSquaresHead.solve(system);
                Arrays.fill(system.matrix(0), Double.NaN); // a copy: the system keeps its entries
                return x;
            }));
            assertThat(clobbered).doesNotContain(Double.NaN);
            LeastSquaresHead.LinearSystem s = seen[0];
            assertThat(s.cols()).isEqualTo(6 + 1);
            assertThat(s.outputs()).isEqualTo(1);
            assertThat(s.rows()).as("40 interior points and the two boundary points of [0, 1]").isEqualTo(40 + 2);
            assertThat(s.matrix(0)).hasSize(s.rows() * s.cols()).doesNotContain(Double.NaN);
        }
    }

    @Test
    void aSolutionOfTheWrongShapeIsRejectedNamingTheParameter() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = objective(m);
            Trainer t = Fixture.trainer(m, obj, lsgd(obj, system -> new double[][] {new double[3], new double[1]}),
                    Rule.MONTE_CARLO, 40);
            assertThatThrownBy(() -> t.train(false)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("has 3 entries");
        }
    }
}
