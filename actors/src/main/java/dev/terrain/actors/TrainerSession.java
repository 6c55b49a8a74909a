package dev.terrain.actors;

import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.train.StepReport;
import dev.terrain.streams.ParameterSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer actor's model and the work it runs on the DJL dispatcher: open (build, restore the newest
 * checkpoint) and chunks of steps up to the next event (metrics, checkpoint, snapshot, parameter file or
 * the end). A chunk returns plain host data only; the actor turns it into messages.
 */
final class TrainerSession implements AutoCloseable {
    /** What a chunk produced; null fields mean "not at this step". */
    record Chunk(long step, MetricsRecord metrics, Checkpoint checkpoint, ParameterSnapshot snapshot,
            ParameterSnapshot saved, ParameterSnapshot finalParameters, boolean diverged, boolean stopped,
            long evaluations) {
        boolean finished() {
            return finalParameters != null;
        }
    }

    private final RunSpec spec;
    private final ModelCopy copy;
    private final AtomicLong trainerStep;
    private final long firstStep;
    private final long started = System.nanoTime();
    private final CheckpointStore.Loaded resumedFrom;
    private MetricsRecord initial;

    private TrainerSession(RunSpec spec, ModelCopy copy, AtomicLong trainerStep, long firstStep,
            CheckpointStore.Loaded resumedFrom) {
        this.spec = spec;
        this.copy = copy;
        this.trainerStep = trainerStep;
        this.firstStep = firstStep;
        this.resumedFrom = resumedFrom;
    }

    /** Builds the model and restores {@code latest} (or evaluates step 0 of a fresh run). */
    static TrainerSession open(RunSpec spec, Optional<CheckpointStore.Loaded> latest, AtomicLong trainerStep) {
        ModelCopy copy = new ModelCopy(spec.model(), spec.device());
        dev.terrain.model.train.Trainer m = copy.acquire();
        try {
            if (latest.isPresent()) {
                Checkpoint c = latest.get().checkpoint();
                try {
                    m.objective().network().parameters().load(c.parameters());
                    m.method().restore(c.optimizer());
                    if (m.annealing() != null && c.annealing() != null) {
                        m.annealing().restore(m.objective(), c.annealing());
                    }
                    m.skipTo(c.step());
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(latest.get().source() + " does not fit this run: " + e.getMessage(), e);
                }
            }
            trainerStep.set(m.step());
            TrainerSession session = new TrainerSession(spec, copy, trainerStep, m.step(), latest.orElse(null));
            if (latest.isEmpty()) {
                session.initial = session.metrics(m, m.evaluate());
            }
            return session;
        } catch (RuntimeException e) {
            copy.release();
            copy.close();
            throw e;
        } finally {
            copy.release();
        }
    }

    long firstStep() {
        return firstStep;
    }

    CheckpointStore.Loaded resumedFrom() {
        return resumedFrom;
    }

    /** The step-0 metrics of a fresh run (null when resumed). */
    MetricsRecord initial() {
        return initial;
    }

    /** Runs on the DJL dispatcher with the model held. */
    <T> T with(java.util.function.Function<dev.terrain.model.train.Trainer, T> work) {
        dev.terrain.model.train.Trainer m = copy.acquire();
        try {
            return work.apply(m);
        } finally {
            copy.release();
        }
    }

    /**
     * Trains up to the next event and reports it; {@code stop} trains no further and checkpoints where
     * the run is (unless nothing was trained since the start).
     */
    Chunk run(boolean stop) {
        return with(m -> {
            PipelineSettings p = spec.pipeline();
            long until = stop ? m.step() : nextEvent(m.step(), p);
            while (m.step() < until) {
                m.train(false);
                trainerStep.set(m.step());
                spec.hook().afterStep(m.step());
            }
            long s = m.step();
            boolean end = s >= p.steps();
            boolean log = end || stop || s % p.logEvery() == 0;
            boolean checkpoint = end || (stop && s > firstStep) || (p.checkpointEvery() > 0 && s % p.checkpointEvery() == 0);
            boolean snapshot = p.snapshotEvery() > 0 && s % p.snapshotEvery() == 0;
            boolean save = !end && p.saveEvery() > 0 && s % p.saveEvery() == 0;
            StepReport r = log || checkpoint || snapshot ? m.evaluate() : null;
            MetricsRecord metrics = r == null ? null : metrics(m, r);
            if (r != null && !Double.isFinite(r.total())) {
                // No checkpoint and no snapshot of a diverged state: the last good checkpoint stays the newest.
                return new Chunk(s, metrics, null, null, null, null, true, stop, m.method().evaluations());
            }
            // One host copy of θ serves the snapshot, the parameter file and the checkpoint of this step.
            double[] theta = snapshot || save || end || checkpoint ? m.objective().network().parameters().toFlat() : null;
            ParameterSnapshot snap = snapshot || save || end ? snapshot(m, r, theta) : null;
            return new Chunk(s, log ? metrics : null, checkpoint ? checkpoint(m, theta) : null, snapshot ? snap : null,
                    save ? snap : null, end ? snap : null, false, stop, m.method().evaluations());
        });
    }

    /** The first step after {@code step} at which something is due. */
    static long nextEvent(long step, PipelineSettings p) {
        long next = Math.min(p.steps(), nextMultiple(step, p.logEvery()));
        if (p.checkpointEvery() > 0) {
            next = Math.min(next, nextMultiple(step, p.checkpointEvery()));
        }
        if (p.snapshotEvery() > 0) {
            next = Math.min(next, nextMultiple(step, p.snapshotEvery()));
        }
        if (p.saveEvery() > 0) {
            next = Math.min(next, nextMultiple(step, p.saveEvery()));
        }
        return Math.max(next, Math.min(step + 1, p.steps()));
    }

    private static long nextMultiple(long step, long every) {
        return (step / every + 1) * every;
    }

    private MetricsRecord metrics(dev.terrain.model.train.Trainer m, StepReport r) {
        Map<String, Double> weights = m.annealing() == null ? null : new LinkedHashMap<>(m.objective().weights());
        return MetricsRecord.of(r, weights, m.method().evaluations(), (System.nanoTime() - started) / 1e9);
    }

    private Checkpoint checkpoint(dev.terrain.model.train.Trainer m, double[] theta) {
        Map<String, Double> weights = m.annealing() == null ? null : m.annealing().state(m.objective());
        return new Checkpoint(Checkpoint.FORMAT, spec.runId(), m.step(), spec.configHash(), theta, m.method().state(),
                weights);
    }

    private ParameterSnapshot snapshot(dev.terrain.model.train.Trainer m, StepReport r, double[] theta) {
        Parameters params = m.objective().network().parameters();
        List<ParameterSnapshot.Tensor> tensors = new ArrayList<>();
        for (Param q : params.list()) {
            tensors.add(new ParameterSnapshot.Tensor(q.name(), q.array().getShape().getShape()));
        }
        return new ParameterSnapshot(spec.runId(), m.step(), params.dataType().toString().toLowerCase(java.util.Locale.ROOT),
                tensors, theta, r == null ? Map.of() : r.terms(), r == null ? Double.NaN : r.total(),
                m.method().id());
    }

    @Override
    public void close() {
        copy.close();
    }
}
