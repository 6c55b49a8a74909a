package dev.terrain.actors;

import java.time.Duration;
import java.util.List;

/**
 * How a run's pipeline is driven (HOCON block {@code pipeline}, plus {@code train} and {@code checkpoint}).
 *
 * @param steps           train until this step
 * @param logEvery        metrics every this many steps
 * @param saveEvery       parameter files every this many steps (0: never)
 * @param checkpointEvery checkpoint every this many steps (0: only at the end and on stop)
 * @param snapshotEvery   publish a parameter snapshot (to the probes and the listener) every this many steps
 *                        (0: never; needs ≥ 1 with probes)
 * @param sampleAhead     resampled batches made ahead of the trainer
 * @param snapshotBuffer  snapshots the hub holds before publishing drops them
 * @param probeTimeout    longest a probe may take on one snapshot
 * @param trainerRestart  restart backoff of the trainer
 * @param probeRestart    restart backoff of probes, the sampler, the least-squares solver and the checkpointer
 * @param leastSquares    whether the training method solves for the output layer (LSGD)
 * @param probes          the landscape probes and their cadences
 */
public record PipelineSettings(long steps, long logEvery, long saveEvery, long checkpointEvery, long snapshotEvery,
        int sampleAhead, int snapshotBuffer, Duration probeTimeout, Backoff trainerRestart, Backoff probeRestart,
        boolean leastSquares, List<ProbeSpec> probes) {

    /** Restart with exponential backoff from {@code min} to {@code max}; at most {@code maxRestarts} in a row. */
    public record Backoff(Duration min, Duration max, double randomFactor, int maxRestarts) {}

    /** A probe of the pool: its name (landscape.jsonl's {@code probe}), cadence in steps, and what it does. */
    public record ProbeSpec(String name, long every, Probe probe) {
        public ProbeSpec {
            if (every < 1) {
                throw new IllegalArgumentException("probes." + name + ".every must be ≥ 1, got " + every);
            }
        }
    }

    public PipelineSettings {
        probes = List.copyOf(probes);
        if (!probes.isEmpty() && snapshotEvery < 1) {
            throw new IllegalArgumentException("pipeline.snapshotEvery must be ≥ 1 when probes are on, got " + snapshotEvery);
        }
        for (ProbeSpec p : probes) {
            if (p.every() % snapshotEvery != 0) {
                throw new IllegalArgumentException("probes." + p.name() + ".every = " + p.every()
                        + " must be a multiple of pipeline.snapshotEvery = " + snapshotEvery);
            }
        }
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("pipeline.snapshotEvery must not be negative, got " + snapshotEvery);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("train.logEvery must be ≥ 1, got " + logEvery);
        }
    }
}
