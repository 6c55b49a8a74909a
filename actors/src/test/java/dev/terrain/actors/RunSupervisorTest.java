package dev.terrain.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.streams.ParameterSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run supervisor with real children, a real model and real checkpoint files: faults in probes and
 * in the trainer, a probe slower than training, divergence, a stop request, the sampler and the
 * least-squares actor. Parameters are compared bit for bit with plain training without actors.
 */
class RunSupervisorTest {
    private static final Duration RUN = Duration.ofSeconds(180);
    private static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create(Pipeline.config());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static RunOutcome run(RunSpec spec) {
        TestProbe<RunOutcome> outcome = kit.createTestProbe();
        kit.spawn(RunSupervisor.create(spec, outcome.getRef()));
        return outcome.receiveMessage(RUN);
    }

    /** A probe that reports the snapshot's step and loss. */
    private static Probe echo(AtomicInteger calls) {
        return (model, s) -> {
            calls.incrementAndGet();
            return Map.of("loss", s.total(), "values", s.values().length);
        };
    }

    @Test
    void aPipelineRunEndsWhereTrainingWithoutActorsEnds(@TempDir Path dir) {
        RunModel model = TestRuns.poisson(false);
        AtomicInteger calls = new AtomicInteger();
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("plain", model, TestRuns.pipeline(120,
                List.of(new PipelineSettings.ProbeSpec("echo", 20, echo(calls)))), dir, seen, RunSpec.StepHook.NONE));

        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.step()).isEqualTo(120);
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 120));
        // Metrics at 0, 10, ..., 120, in order, once each.
        assertThat(seen.metrics).extracting(MetricsRecord::step).containsExactly(0L, 10L, 20L, 30L, 40L, 50L, 60L, 70L,
                80L, 90L, 100L, 110L, 120L);
        assertThat(o.snapshots()).isEqualTo(12);
        assertThat(seen.snapshots).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L, 110L, 120L);
        assertThat(seen.landscape).isNotEmpty().allMatch(LandscapeRecord::ok).allMatch(r -> r.step() % 20 == 0);
        assertThat(seen.landscape.size() + o.probeSkipped().get("echo")).isEqualTo(6);
        assertThat(seen.eventTypes()).containsExactly("started", "completed");
        assertThat(new Checkpoints(dir, 3).latest()).get().extracting(l -> l.checkpoint().step()).isEqualTo(120L);
    }

    @Test
    void aProbeThatThrowsOnEveryThirdSnapshotIsRestartedAndTrainingEndsTheSame(@TempDir Path dir) {
        RunModel model = TestRuns.poisson(false);
        AtomicInteger calls = new AtomicInteger();
        Probe flaky = (m, s) -> {
            if (calls.incrementAndGet() % 3 == 0) {
                throw new IllegalStateException("injected probe fault at step " + s.step());
            }
            return Map.of("loss", s.total());
        };
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("flaky", model, TestRuns.pipeline(200,
                List.of(new PipelineSettings.ProbeSpec("flaky", 10, flaky))), dir, seen, RunSpec.StepHook.NONE));

        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 200));
        int failures = o.probeFailures().get("flaky");
        assertThat(failures).isEqualTo(calls.get() / 3);
        assertThat(failures).isGreaterThanOrEqualTo(1);
        // Each failure restarts the worker; the last restart may land after the run ended.
        assertThat(o.probeRestarts().get("flaky")).isBetween(failures - 1, failures);
        assertThat(seen.eventTypes()).contains("probe-failed", "probe-restarted").doesNotContain("trainer-failed");
        // The worker kept analysing after its first failure.
        long firstFailure = seen.landscape.stream().filter(r -> !r.ok()).mapToLong(LandscapeRecord::step).min().orElseThrow();
        assertThat(seen.landscape).anyMatch(r -> r.ok() && r.step() > firstFailure);
    }

    @Test
    void aProbeThatGivesUpEndsItsSubscriptionAndTrainingCompletes(@TempDir Path dir) {
        RunModel model = TestRuns.poisson(false);
        Probe broken = (m, s) -> {
            throw new IllegalStateException("always broken");
        };
        PipelineSettings p = TestRuns.pipeline(200, List.of(new PipelineSettings.ProbeSpec("broken", 10, broken)));
        // Two restarts allowed; a probe answer would be awaited for 10 minutes, far beyond this test's wait.
        PipelineSettings.Backoff twice = new PipelineSettings.Backoff(Duration.ofMillis(10), Duration.ofMillis(20), 0, 2);
        PipelineSettings giveUp = new PipelineSettings(p.steps(), p.logEvery(), 0, p.checkpointEvery(), p.snapshotEvery(),
                p.sampleAhead(), p.snapshotBuffer(), Duration.ofMinutes(10), p.trainerRestart(), twice, false, p.probes());
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("gives-up", model, giveUp, dir, seen, RunSpec.StepHook.NONE));

        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.probeFailures().get("broken")).isEqualTo(3);
        assertThat(seen.eventTypes()).contains("child-stopped").endsWith("completed");
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 200));
    }

    @Test
    void aTrainerThatThrowsOnceResumesFromTheLastCheckpointAndFinishesBitForBit(@TempDir Path dir) {
        RunModel model = TestRuns.poisson(false);
        AtomicBoolean thrown = new AtomicBoolean();
        RunSpec.StepHook fault = step -> {
            if (step == 55 && thrown.compareAndSet(false, true)) {
                throw new IllegalStateException("injected trainer fault at step 55");
            }
        };
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("crashy", model, TestRuns.pipeline(100, List.of()), dir, seen, fault));

        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.trainerRestarts()).isEqualTo(1);
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 100));
        assertThat(seen.eventTypes()).containsExactly("started", "trainer-failed", "trainer-restarted", "completed");
        // Checkpoints every 20 steps: the restarted trainer continued from step 40, not from 0.
        assertThat(seen.events.get(2).message()).contains("step-000000000040");
        assertThat(seen.metrics).extracting(MetricsRecord::step).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    }

    @Test
    void aProbeSlowerThanTrainingSkipsSnapshotsAndNeverHoldsUpTheTrainer(@TempDir Path dir) throws Exception {
        RunModel model = TestRuns.poisson(false);
        long steps = 300;
        CountDownLatch trainerDone = new CountDownLatch(1);
        AtomicInteger analysed = new AtomicInteger();
        Probe stuck = (m, s) -> {
            analysed.incrementAndGet();
            try {
                // Blocked until the trainer has run every step: training cannot be waiting for this probe.
                assertThat(trainerDone.await(120, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("step", s.step());
        };
        RunSpec.StepHook last = step -> {
            if (step == steps) {
                trainerDone.countDown();
            }
        };
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("slow", model, TestRuns.pipeline(steps,
                List.of(new PipelineSettings.ProbeSpec("stuck", 10, stuck))), dir, seen, last));

        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.snapshots()).isEqualTo(30);
        // It saw its first snapshot and slept through the rest of training; then it got the newest snapshot
        // its subscription held when it woke (step 300, or 290 when 300 was still on its way, then 300).
        List<Long> probed = seen.landscape.stream().map(LandscapeRecord::step).toList();
        assertThat(probed).hasSizeBetween(2, 3).startsWith(10L).endsWith(300L);
        assertThat(analysed.get()).isEqualTo(probed.size());
        assertThat(o.probeSkipped().get("stuck")).isEqualTo(30L - probed.size());
        assertThat(seen.landscape.get(probed.size() - 1).skipped()).isEqualTo(30L - probed.size());
        assertThat(seen.landscape.get(0).lagSteps()).isGreaterThan(0);
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, steps));
    }

    @Test
    void aDivergingRunStopsWithAnEventAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) {
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("nan", TestRuns.diverging(), TestRuns.pipeline(10_000, List.of()), dir, seen,
                RunSpec.StepHook.NONE));

        assertThat(o.status()).isEqualTo("diverged");
        assertThat(o.error()).contains("loss became").contains("at step " + o.step());
        assertThat(o.step()).isLessThan(10_000);
        assertThat(seen.eventTypes()).endsWith("diverged");
        assertThat(seen.metrics).allMatch(m -> Double.isFinite(m.total()));
        var latest = new Checkpoints(dir, 3).latest();
        latest.ifPresent(l -> {
            assertThat(l.checkpoint().step()).isLessThan(o.step());
            assertThat(java.util.Arrays.stream(l.checkpoint().parameters()).allMatch(Double::isFinite)).isTrue();
        });
    }

    @Test
    void aStopRequestCheckpointsWhereTheTrainerIsAndAnswersInterrupted(@TempDir Path dir) {
        AtomicReference<ActorRef<RunSupervisor.Command>> supervisor = new AtomicReference<>();
        RunSpec.StepHook stopAt = step -> {
            if (step == 35) {
                supervisor.get().tell(RunSupervisor.Stop.INSTANCE);
            }
        };
        TestRuns.Collect seen = new TestRuns.Collect();
        TestProbe<RunOutcome> outcome = kit.createTestProbe();
        // No periodic checkpoints: the one found afterwards is the stop's.
        PipelineSettings p = TestRuns.pipeline(100_000, List.of());
        PipelineSettings noCheckpoints = new PipelineSettings(p.steps(), p.logEvery(), 0, 0, p.snapshotEvery(),
                p.sampleAhead(), p.snapshotBuffer(), p.probeTimeout(), p.trainerRestart(), p.probeRestart(), false, List.of());
        supervisor.set(kit.spawn(RunSupervisor.create(TestRuns.spec("stop", TestRuns.poisson(false), noCheckpoints, dir,
                seen, stopAt), outcome.getRef())));
        RunOutcome o = outcome.receiveMessage(RUN);

        assertThat(o.status()).isEqualTo("interrupted");
        assertThat(o.step()).isBetween(35L, 45L);
        assertThat(new Checkpoints(dir, 3).latest()).get().extracting(l -> l.checkpoint().step()).isEqualTo(o.step());
        assertThat(seen.eventTypes()).containsSubsequence("stop-requested", "interrupted");
    }

    @Test
    void theSamplerFeedsResampledBatchesIdenticalToTheTrainersOwn(@TempDir Path dir) {
        RunModel model = TestRuns.poisson(true);
        RunOutcome o = run(TestRuns.spec("resample", model, TestRuns.pipeline(60, List.of()), dir, new TestRuns.Collect(),
                RunSpec.StepHook.NONE));
        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 60));
    }

    @Test
    void lsgdSolvesThroughTheLeastSquaresActorExactlyAsInProcess(@TempDir Path dir) {
        RunModel model = TestRuns.transportLsgd();
        PipelineSettings p = TestRuns.pipeline(30, List.of());
        PipelineSettings lsgd = new PipelineSettings(p.steps(), p.logEvery(), p.saveEvery(), p.checkpointEvery(),
                p.snapshotEvery(), p.sampleAhead(), p.snapshotBuffer(), p.probeTimeout(), p.trainerRestart(),
                p.probeRestart(), true, p.probes());
        TestRuns.Collect seen = new TestRuns.Collect();
        RunOutcome o = run(TestRuns.spec("lsgd", model, lsgd, dir, seen, RunSpec.StepHook.NONE));
        assertThat(o.status()).isEqualTo("completed");
        assertThat(o.parameters().values()).containsExactly(TestRuns.direct(model, 30));
        assertThat(o.last().total()).isLessThan(1e-2 * seen.metrics.get(0).total());
    }

    @Test
    void snapshotsCarryTheParametersAsPlainArrays(@TempDir Path dir) {
        AtomicReference<ParameterSnapshot> got = new AtomicReference<>();
        Probe keep = (m, s) -> {
            got.set(s);
            return Map.of();
        };
        RunModel model = TestRuns.poisson(false);
        run(TestRuns.spec("snap", model, TestRuns.pipeline(10, List.of(new PipelineSettings.ProbeSpec("keep", 10, keep))),
                dir, new TestRuns.Collect(), RunSpec.StepHook.NONE));
        ParameterSnapshot s = got.get();
        assertThat(s.step()).isEqualTo(10);
        assertThat(s.dtype()).isEqualTo("float64");
        assertThat(s.values()).containsExactly(TestRuns.direct(model, 10));
        assertThat(s.tensors()).extracting(ParameterSnapshot.Tensor::size).containsExactly(8L, 8L, 64L, 8L, 8L, 1L);
        assertThat(s.lossTerms()).containsKey("pde");
    }
}
