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
import dev.terrain.model.tensor.NoGrad;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training step: take the step's batch from its {@link BatchSource} (or reuse the fixed one), re-weight the loss terms when annealing is due,
 * then let the {@link TrainingMethod} evaluate the loss (one jet forward pass per point set, one
 * first-order backward pass) and move the parameters. Every temporary of a step lives in an
 * {@link NDScope} that closes with the step, so memory stays flat over a long run.
 *
 * <p>Batches: with resampling, step n trains on {@link Batches#at}(n) of the trainer's own
 * {@link #batches()} unless {@link #withBatchSource} gave another source; without, one batch
 * ({@link Batches#fixed()}) is drawn for the whole run. Either way the batch of a step does not depend
 * on the steps before it, so a resumed run trains on the batches of the uninterrupted one.
 */
public final class Trainer {
    private final Objective objective;
    private final TrainingMethod method;
    private WeightAnnealing annealing;
    private final boolean resample;
    private final Batches batches;
    private BatchSource source;
    private final NDManager manager;
    private final PointSet testSet;
    private final NDArray exactOnTest;
    private final NDArray exactNormSquared;
    private Map<String, HostPoints> fixedHost;
    private Map<String, PointSet> fixedBatch;
    private List<Map<String, PointSet>> fixedParts;
    private int shards = 1;
    private boolean taped = true;
    private ShardedGradient sharded;
    private Runnable betweenPasses;
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
        this.resample = resample;
        this.batches = Batches.of(objective, sampling, samplingSeed);
        this.source = ownSource();
        this.manager = manager;
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
     * phase read it). The next step trains on the batch of {@code step}, the one the uninterrupted run
     * trained on there: batches are functions of (sampling seed, step), see {@link Batches}.
     */
    public void skipTo(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must not be negative, got " + step);
        }
        this.step = step;
    }

    /** The trainer's own batches (from its sampling settings and seed), e.g. to draw them ahead on another thread. */
    /** Whether every step draws a new batch (else one fixed batch is reused). */
    public boolean resamples() {
        return resample;
    }

    public Batches batches() {
        return batches;
    }

    /**
     * Takes the host batches from {@code source} instead of {@link #batches()}; null goes back to the
     * trainer's own. The source is asked with the number of the step about to be trained, every step
     * when resampling, and once, for the first step trained, for a fixed batch (a fixed batch already
     * drawn is kept).
     */
    public Trainer withBatchSource(BatchSource source) {
        this.source = source == null ? ownSource() : source;
        return this;
    }

    private BatchSource ownSource() {
        return resample ? batches : at -> batches.fixed();
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

    /**
     * Evaluates each step's loss and gradient in up to {@code shards} parts of the batch at once, on as
     * many threads ({@link ShardedGradient}; setting {@code train.shards}). A point set is split only when
     * it has at least {@link #MIN_SHARD_POINTS} points per part; with nothing to split the batch is
     * evaluated in one piece. Applies where the method asks for the plain loss gradient (Adam, GD and
     * LSGD's gradient phase); L-BFGS and ISGD evaluate their shaped objectives in one piece.
     */
    public Trainer withShards(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("train.shards must be at least 1, got " + shards);
        }
        this.shards = shards;
        return this;
    }

    public int shards() {
        return shards;
    }

    /**
     * Whether a step's network jet pass runs without autograd, with the network's hand-written reverse
     * pass ({@link dev.terrain.model.nn.JetTape}; setting {@code train.reverse}: {@code taped}, the default,
     * or {@code autograd}). Networks without a tape record with autograd either way; both give the same
     * gradient to rounding. Set it before the first step: the data-parallel parts ({@code train.shards})
     * take it when they are made.
     */
    public Trainer withTapedReverse(boolean taped) {
        this.taped = taped;
        return this;
    }

    public boolean tapedReverse() {
        return taped;
    }

    /** Tests: run on every part's thread between its forward and reverse pass (see {@link ShardedGradient}). */
    Trainer betweenShardPasses(Runnable r) {
        this.betweenPasses = r;
        return this;
    }

    /** The fewest points of a set per part for {@link #withShards} to split it. */
    public static final int MIN_SHARD_POINTS = 64;

    /** The host batch of the current step: drawn for this step, or the run's fixed one. */
    private Map<String, HostPoints> stepHost() {
        if (resample) {
            return hostBatch();
        }
        if (fixedHost == null) {
            fixedHost = hostBatch();
        }
        return fixedHost;
    }

    /** The device batch of a step's host batch (the fixed one is made once and kept). */
    private Map<String, PointSet> device(Map<String, HostPoints> host) {
        if (resample) {
            return objective.toDevice(host, manager);
        }
        if (fixedBatch == null) {
            fixedBatch = objective.toDevice(host, manager);
            fixedBatch.values().forEach(PointSet::keep);
        }
        return fixedBatch;
    }

    /** The step's batch in parts for data-parallel evaluation (the fixed batch's are made once and kept). */
    private List<Map<String, PointSet>> parts(Map<String, HostPoints> host) {
        if (resample) {
            return objective.toDeviceShards(host, shards, MIN_SHARD_POINTS, manager);
        }
        if (fixedParts == null) {
            fixedParts = objective.toDeviceShards(host, shards, MIN_SHARD_POINTS, manager);
            fixedParts.forEach(part -> part.values().forEach(PointSet::keep));
        }
        return fixedParts;
    }

    private Map<String, HostPoints> hostBatch() {
        Map<String, HostPoints> host = source.batch(step);
        if (host == null || !host.keySet().containsAll(objective.pointSets().keySet())) {
            throw new IllegalStateException("the batch source gave point sets " + (host == null ? null : host.keySet())
                    + " for step " + step + "; the loss needs " + objective.pointSets().keySet());
        }
        return host;
    }

    /**
     * One training step. When {@code report} is set, the step's losses are copied to the host (one
     * device sync) and returned; otherwise nothing leaves the device and null is returned.
     */
    public StepReport train(boolean report) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            BatchFunction f = new BatchFunction(stepHost());
            if (annealing != null && annealing.due(step)) {
                annealing.update(objective, f.batch());
            }
            LossValues loss = method.step(f, step);
            step++;
            return report ? toHost(step, loss, Double.NaN) : null;
        }
    }

    /** The loss on one step's batch, for the training method. */
    private final class BatchFunction implements StepFunction {
        private final Map<String, HostPoints> host;
        private Map<String, PointSet> batch;

        BatchFunction(Map<String, HostPoints> host) {
            this.host = host;
        }

        @Override
        public Objective objective() {
            return objective;
        }

        @Override
        public Map<String, PointSet> batch() {
            if (batch == null) {
                batch = device(host);
            }
            return batch;
        }

        @Override
        public LossValues lossAndGradient() {
            if (shards > 1) {
                List<Map<String, PointSet>> parts = parts(host);
                if (parts.size() > 1) {
                    if (sharded == null) {
                        sharded = new ShardedGradient(objective.network().parameters(), taped);
                        if (betweenPasses != null) {
                            sharded.betweenPasses(betweenPasses);
                        }
                    }
                    return sharded.lossAndGradient(objective, parts);
                }
            }
            // No shape (null, not identity): the objective may then write out linear terms' reverse passes.
            return objective.lossAndGradient(batch(), objective.network().parameters().arrays(), false, taped, null,
                    () -> {});
        }

        @Override
        public LossValues lossAndGradient(UnaryOperator<NDArray> shape) {
            return objective.lossAndGradient(batch(), objective.network().parameters().arrays(), false, taped, shape,
                    () -> {});
        }

        @Override
        public LossValues loss() {
            try (NoGrad off = new NoGrad()) {
                return objective.evaluate(batch());
            }
        }
    }

    /**
     * The points the logged losses are measured on: the training batch when it is fixed; with
     * resampling, one batch drawn once from its own seed, so logged losses are comparable across steps.
     */
    private Map<String, PointSet> monitorBatch() {
        if (!resample) {
            return device(stepHost());
        }
        if (monitorBatch == null) {
            monitorBatch = objective.toDevice(batches.monitor(), manager);
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
