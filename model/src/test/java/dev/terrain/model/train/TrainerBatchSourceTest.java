package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Resampling runs train step n on {@link Batches#at}(n): a resumed run is bit-identical to the
 * uninterrupted one, and batches may come from outside (another thread) without changing the run.
 * 1D Poisson, residual loss, float64, Adam.
 */
class TrainerBatchSourceTest {
    private static final int N = 6;

    private static Trainer resampling(NDManager m) {
        Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                Fixture.spec("mlp", 0, 0, List.of(6, 6), Activation.TANH, Initializer.GLOROT_NORMAL), 11);
        Adam adam = new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8);
        return new Trainer(obj, adam, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 30),
                "boundary", new SetSampling(Rule.MONTE_CARLO, 2)), true, 7, 51, m);
    }

    private static double[] theta(Trainer t) {
        return t.objective().network().parameters().toFlat();
    }

    private static void train(Trainer t, int steps) {
        for (int i = 0; i < steps; i++) {
            t.train(false);
        }
    }

    @Test
    void aResumedResamplingRunIsBitIdenticalToTheUninterruptedOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer straight = resampling(m);
            double[] start = theta(straight);
            train(straight, 2 * N);

            Trainer first = resampling(m);
            train(first, N);
            Trainer resumed = resampling(m);
            resumed.objective().network().parameters().load(theta(first));
            resumed.method().restore(first.method().state());
            resumed.skipTo(N);
            train(resumed, N);

            assertThat(theta(resumed)).containsExactly(theta(straight));
            assertThat(theta(straight)).as("the run moved").isNotEqualTo(start);
            assertThat(resumed.method().evaluations()).isEqualTo(straight.method().evaluations()).isEqualTo(2L * N);
        }
    }

    @Test
    void anExternalSourceGivingTheSameBatchesGivesTheSameRunAndIsAskedForEachStep() throws Exception {
        ExecutorService ahead = Executors.newSingleThreadExecutor();
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer own = resampling(m);
            train(own, 2 * N);

            Trainer fed = resampling(m);
            Batches batches = fed.batches();
            List<Long> asked = new ArrayList<>();
            // The next step's batch is drawn on another thread while this one trains.
            CompletableFuture<?>[] next = {CompletableFuture.supplyAsync(() -> batches.at(0), ahead)};
            fed.withBatchSource(step -> {
                asked.add(step);
                @SuppressWarnings("unchecked")
                Map<String, HostPoints> now = (Map<String, HostPoints>) next[0].join();
                next[0] = CompletableFuture.supplyAsync(() -> batches.at(step + 1), ahead);
                return now;
            });
            train(fed, 2 * N);

            assertThat(theta(fed)).containsExactly(theta(own));
            List<Long> expected = new ArrayList<>();
            for (long s = 0; s < 2 * N; s++) {
                expected.add(s);
            }
            assertThat(asked).containsExactlyElementsOf(expected);
        } finally {
            ahead.shutdownNow();
        }
    }

    @Test
    void theSourceIsAskedForTheStepTheRunResumesAt() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = resampling(m);
            List<Long> asked = new ArrayList<>();
            t.withBatchSource(step -> {
                asked.add(step);
                return t.batches().at(step);
            });
            t.skipTo(40);
            train(t, 2);
            assertThat(asked).containsExactly(40L, 41L);
            assertThat(t.step()).isEqualTo(42);
        }
    }

    @Test
    void aSourceMissingAPointSetIsRejectedNamingTheStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = resampling(m);
            t.withBatchSource(step -> Map.of("interior", t.batches().at(step).get("interior")));
            assertThatThrownBy(() -> t.train(false)).hasMessageContaining("step 0").hasMessageContaining("boundary");
        }
    }

    @Test
    void aFixedBatchTrainerAsksItsSourceOnce() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                    Fixture.spec("mlp", 0, 0, List.of(6), Activation.TANH, Initializer.GLOROT_NORMAL), 11);
            Trainer own = Fixture.trainer(m, obj, new FirstOrder(new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8),
                    obj.network().parameters()), Rule.MONTE_CARLO, 20);
            List<Long> asked = new ArrayList<>();
            own.withBatchSource(step -> {
                asked.add(step);
                return own.batches().fixed();
            });
            own.skipTo(3);
            train(own, 4);
            assertThat(asked).containsExactly(3L);
        }
    }
}
