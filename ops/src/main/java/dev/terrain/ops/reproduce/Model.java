package dev.terrain.ops.reproduce;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.probe.RoughnessIndex;
import dev.terrain.model.train.StepReport;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.RunFactory;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * One network with its objective and training method, built by {@link RunFactory} from a run's settings
 * and held by its own {@link NDManager}: train it, evaluate it, read or replace its parameters, probe it.
 */
public final class Model implements AutoCloseable {
    private final RunSettings settings;
    private final NDManager manager;
    private final Trainer trainer;
    private double trainSeconds;

    Model(RunSettings settings, NDManager manager) {
        this.settings = settings;
        this.manager = manager;
        try {
            this.trainer = RunFactory.build(settings, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public RunSettings settings() {
        return settings;
    }

    public Trainer trainer() {
        return trainer;
    }

    /** Trains {@code steps} steps. A run that diverges goes on; its losses are then not finite, for the caller to judge. */
    public Model train(long steps) {
        return train(steps, 0, null);
    }

    /**
     * Trains {@code steps} steps and calls {@code at} with the step count before the first step and after
     * every {@code every}-th (every ≤ 0: never).
     */
    public Model train(long steps, long every, LongConsumer at) {
        long t0 = System.nanoTime();
        long start = trainer.step();
        if (at != null && every > 0) {
            at.accept(start);
        }
        for (long i = 1; i <= steps; i++) {
            trainer.train(false);
            if (at != null && every > 0 && i % every == 0) {
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                at.accept(trainer.step());
                t0 = System.nanoTime();
            }
        }
        trainSeconds += (System.nanoTime() - t0) / 1e9;
        return this;
    }

    /**
     * One training step whose loss is reported: the loss the step's gradient was taken at (for LSGD, at
     * the parameters after the least-squares solve; on step 0, after the initial solve of Algorithm 1).
     */
    public StepReport step() {
        long t0 = System.nanoTime();
        StepReport r = trainer.train(true);
        trainSeconds += (System.nanoTime() - t0) / 1e9;
        return r;
    }

    /** Seconds spent in {@link #train} (probes called back in between are not counted). */
    public double trainSeconds() {
        return trainSeconds;
    }

    /** Losses on the fixed batch and the relative L2 error on the test set, at the current parameters. */
    public StepReport evaluate() {
        return trainer.evaluate();
    }

    public double relL2() {
        return trainer.relativeL2();
    }

    /** The parameters as one flat vector (a copy). */
    public double[] theta() {
        return trainer.objective().network().parameters().toFlat();
    }

    /** Replaces the parameters; the optimiser's state is left as it is. */
    public Model load(double[] theta) {
        trainer.objective().network().parameters().load(theta);
        return this;
    }

    /** The Roughness Index (paper 000, Algorithm 1) at the current parameters, bias entries of the directions zero. */
    public RoughnessIndex.Result roughness(int directions, int intervals, double halfWidth, long seed) {
        BatchedLoss loss = new BatchedLoss(trainer.objective(), trainer.probeBatch(), BatchedLoss.DEFAULT_MAX_ELEMENTS);
        return RoughnessIndex.compute(loss, trainer.objective().network().parameters(),
                new RoughnessIndex.Settings(directions, intervals, halfWidth, seed, BiasMode.ZERO, Set.of()));
    }

    /** The 2D loss surface around the current parameters (paper 000 Fig. 3), bias entries of the directions zero. */
    public LossSurface.Result surface(int n, double span, long seed) {
        BatchedLoss loss = new BatchedLoss(trainer.objective(), trainer.probeBatch(), BatchedLoss.DEFAULT_MAX_ELEMENTS);
        return LossSurface.compute(loss, trainer.objective().network().parameters(),
                new LossSurface.Settings(n, n, span, seed, BiasMode.ZERO));
    }

    @Override
    public void close() {
        manager.close();
    }

    // paper 001

    /**
     * Per loss term and per layer statistics of |∂L_t/∂θ| of the unweighted terms (paper 001's gradient
     * histograms) on the probe batch, at the current parameters; each term carries its current weight λ_t.
     */
    public dev.terrain.model.probe.GradientStatisticsResult gradientStatistics(
            dev.terrain.model.probe.GradientStatisticsSettings settings) {
        return new dev.terrain.model.probe.GradientStatistics(trainer.objective(), trainer.probeBatch(), settings)
                .compute(trainer.step(), "");
    }

    // paper 002

    /**
     * max |u - u*| over the test points (the grid of {@code sampling.testPoints} that {@link #relL2()} uses),
     * or NaN without an exact solution.
     */
    public double maxAbsError() {
        dev.terrain.model.train.Objective o = trainer.objective();
        if (o.problem().exact().isEmpty()) {
            return Double.NaN;
        }
        try (NDManager m = manager.newSubManager(); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
                dev.terrain.model.tensor.NoGrad off = new dev.terrain.model.tensor.NoGrad()) {
            scope.suppressNotUsedWarning();
            dev.terrain.model.problem.PointSet test = o.toDevice(java.util.Map.of("test",
                    dev.terrain.model.train.TestSet.of(o.problem().domain(), settings.sampling().testPoints())), m).get("test");
            ai.djl.ndarray.NDArray err = o.predict(test).sub(o.problem().exact().get().at(test.x(), o.scalars())).abs().max();
            return err.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        }
    }
}
