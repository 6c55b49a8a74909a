package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.optim.Optimizer;
import java.util.function.UnaryOperator;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.NoGrad;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The training step: sample (or reuse) the batch, re-weight the loss terms when annealing is due,
 * then let the {@link TrainingMethod} evaluate the loss (one jet forward pass per point set, one
 * first-order backward pass) and move the parameters. Every temporary of a step lives in an
 * {@link NDScope} that closes with the step, so memory stays flat over a long run.
 */
public final class Trainer {
    private final Objective objective;
    private final TrainingMethod method;
    private WeightAnnealing annealing;
    private final Map<String, SetSampling> sampling;
    private final boolean resample;
    private SplittableRandom rng;
    private final long samplingSeed;
    private final NDManager manager;
    private final PointSet testSet;
    private final NDArray exactOnTest;
    private final NDArray exactNormSquared;
    private Map<String, PointSet> fixedBatch;
    private Map<String, PointSet> monitorBatch;
    private long step;

    public Trainer(Objective objective, Optimizer optimizer, Map<String, SetSampling> sampling, boolean resample,
            long samplingSeed, int testPoints, NDManager manager) {
        this(objective, new FirstOrder(optimizer, objective.network().parameters()), sampling, resample, samplingSeed,
                testPoints, manager);
    }

    public Trainer(Objective objective, TrainingMethod method, Map<String, SetSampling> sampling, boolean resample,
            long samplingSeed, int testPoints, NDManager manager) {
        this.objective = objective;
        this.method = method;
        this.sampling = Map.copyOf(sampling);
        this.resample = resample;
        this.rng = new SplittableRandom(samplingSeed);
        this.samplingSeed = samplingSeed;
        this.manager = manager;
        for (String set : objective.pointSets().keySet()) {
            if (!sampling.containsKey(set)) {
                throw new IllegalArgumentException("sampling." + set + " is missing: problem '"
                        + objective.problem().id() + "' needs point sets " + objective.pointSets().keySet());
            }
        }
        Problem problem = objective.problem();
        if (problem.exact().isPresent()) {
            HostPoints test = TestSet.of(problem.domain(), testPoints);
            this.testSet = objective.toDevice(Map.of("test", test), manager).get("test").keep();
            this.exactOnTest = problem.exact().get().at(testSet.x(), objective.scalars());
            this.exactNormSquared = exactOnTest.square().sum();
            NDScope.unregister(exactOnTest, exactNormSquared);
        } else {
            this.testSet = null;
            this.exactOnTest = null;
            this.exactNormSquared = null;
        }
    }

    public long step() {
        return step;
    }

    /**
     * Sets the step counter of a run restored from a saved state (learning-rate schedules and ISGD's
     * phase read it). With a fixed batch the batch is redrawn identically from the sampling seed; a
     * resampling run continues with a stream seeded from (sampling seed, step), not a replay of the
     * batches of steps 0, 1, ...
     */
    public void skipTo(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative, got " + step);
        }
        this.step = step;
        if (resample && step > 0) {
            // SplittableRandom mixes its seed, so neighbouring steps give unrelated streams.
            this.rng = new SplittableRandom(samplingSeed ^ (step * 0x9E3779B97F4A7C15L));
        }
    }

    public Objective objective() {
        return objective;
    }

    public TrainingMethod method() {
        return method;
    }

    /** Turns on loss-weight annealing (paper 001); null turns it off. */
    public Trainer withAnnealing(WeightAnnealing annealing) {
        this.annealing = annealing;
        return this;
    }

    public WeightAnnealing annealing() {
        return annealing;
    }

    /** Draws a batch on the host for every point set of the loss. */
    private Map<String, HostPoints> sampleHost(SplittableRandom from) {
        Map<String, HostPoints> host = new HashMap<>();
        for (Map.Entry<String, Region> e : objective.pointSets().entrySet()) {
            SetSampling s = sampling.get(e.getKey());
            host.put(e.getKey(), Sampler.sample(objective.problem().domain(), e.getValue(), s.rule(), s.points(), from));
        }
        return host;
    }

    private Map<String, PointSet> batch() {
        if (resample) {
            return objective.toDevice(sampleHost(rng), manager);
        }
        if (fixedBatch == null) {
            fixedBatch = objective.toDevice(sampleHost(rng), manager);
            fixedBatch.values().forEach(PointSet::keep);
        }
        return fixedBatch;
    }

    /**
     * One training step. When {@code report} is set, the step's losses are copied to the host (one
     * device sync) and returned; otherwise nothing leaves the device and null is returned.
     */
    public StepReport train(boolean report) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Map<String, PointSet> batch = batch();
            if (annealing != null && annealing.due(step)) {
                annealing.update(objective, batch);
            }
            LossValues loss = method.step(new BatchFunction(batch), step);
            step++;
            return report ? toHost(step, loss, Double.NaN) : null;
        }
    }

    /** The loss on one step's batch, for the training method. */
    private final class BatchFunction implements StepFunction {
        private final Map<String, PointSet> batch;

        BatchFunction(Map<String, PointSet> batch) {
            this.batch = batch;
        }

        @Override
        public Objective objective() {
            return objective;
        }

        @Override
        public Map<String, PointSet> batch() {
            return batch;
        }

        @Override
        public LossValues lossAndGradient(UnaryOperator<NDArray> shape) {
            try (Autograd.Recording rec = Autograd.record()) {
                LossValues loss = objective.evaluate(batch);
                rec.backward(shape.apply(loss.total()));
                return loss;
            }
        }

        @Override
        public LossValues loss() {
            try (NoGrad off = new NoGrad()) {
                return objective.evaluate(batch);
            }
        }
    }

    /**
     * The points the logged losses are measured on: the training batch when it is fixed; with
     * resampling, one batch drawn once from its own seed, so logged losses are comparable across steps.
     */
    private Map<String, PointSet> monitorBatch() {
        if (!resample) {
            return batch();
        }
        if (monitorBatch == null) {
            // Its own stream: evaluating never shifts the training samples.
            SplittableRandom monitorRng = new SplittableRandom(~samplingSeed);
            monitorBatch = objective.toDevice(sampleHost(monitorRng), manager);
            monitorBatch.values().forEach(PointSet::keep);
        }
        return monitorBatch;
    }

    /** The fixed batch logged losses and landscape probes are evaluated on (see {@link #monitorBatch()}). */
    public Map<String, PointSet> probeBatch() {
        return monitorBatch();
    }

    /** The losses at the current parameters (no update) on the monitor batch, and the relative L2 error. */
    public StepReport evaluate() {
        try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
            scope.suppressNotUsedWarning();
            LossValues loss = objective.evaluate(monitorBatch());
            return toHost(step, loss, relativeL2());
        }
    }

    /** ||u - u*|| / ||u*|| on the test points, or NaN without an exact solution. */
    public double relativeL2() {
        if (testSet == null) {
            return Double.NaN;
        }
        try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
            scope.suppressNotUsedWarning();
            NDArray u = objective.predict(testSet);
            NDArray err = u.sub(exactOnTest).square().sum().div(exactNormSquared).sqrt();
            return err.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private StepReport toHost(long at, LossValues loss, double relL2) {
        List<String> names = List.copyOf(loss.terms().keySet());
        NDList parts = new NDList();
        for (String n : names) {
            parts.add(loss.terms().get(n).reshape(1));
        }
        parts.add(loss.total().reshape(1));
        double[] v = NDArrays.concat(parts).toType(DataType.FLOAT64, false).toDoubleArray();
        Map<String, Double> terms = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            terms.put(names.get(i), v[i]);
        }
        return new StepReport(at, terms, v[names.size()], relL2);
    }
}
