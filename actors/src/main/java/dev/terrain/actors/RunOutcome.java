package dev.terrain.actors;

import dev.terrain.streams.ParameterSnapshot;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param status           {@code completed}, {@code interrupted} (stop requested; checkpointed),
 *                         {@code diverged} (NaN/Inf loss; the last good checkpoint is kept) or {@code failed}
 * @param step             the step training reached
 * @param firstStep        the step this process started training from (0, or a resumed checkpoint's)
 * @param last             the last metrics (null if none were taken)
 * @param parameters       the final parameters (null unless completed)
 * @param evaluations      loss-and-gradient evaluations of the training method
 * @param error            what went wrong (null when completed or interrupted)
 * @param trainerRestarts  how often the trainer was restarted from a checkpoint
 * @param probeRestarts    restarts per probe
 * @param probeFailures    failed probe runs per probe
 * @param probeSkipped     snapshots each probe skipped because it was busy
 * @param snapshots        snapshots published to the probes
 * @param resumedFrom      the checkpoint training started from in this process (null when fresh)
 */
public record RunOutcome(String status, long step, long firstStep, MetricsRecord last, ParameterSnapshot parameters,
        long evaluations, String error, int trainerRestarts, Map<String, Integer> probeRestarts,
        Map<String, Integer> probeFailures, Map<String, Long> probeSkipped, long snapshots,
        CheckpointStore.Loaded resumedFrom) {
    public RunOutcome {
        probeRestarts = Map.copyOf(probeRestarts);
        probeFailures = Map.copyOf(probeFailures);
        probeSkipped = Map.copyOf(probeSkipped);
    }

    public boolean completed() {
        return status.equals("completed");
    }
}
