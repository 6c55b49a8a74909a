package dev.terrain.actors;

import java.util.Map;

/**
 * One line of {@code landscape.jsonl}: what probe {@code probe} found at the snapshot of {@code step}.
 *
 * @param figures     the probe's numbers (e.g. {@code ri}, {@code mean_t}; empty when it failed)
 * @param wallSeconds how long the probe took
 * @param lagSteps    how many steps the trainer had gone past {@code step} when the result came back
 * @param skipped     snapshots this probe has skipped so far because it was busy (conflation)
 * @param error       why the probe failed, or null
 */
public record LandscapeRecord(String runId, long step, String probe, Map<String, Object> figures, double wallSeconds,
        long lagSteps, long skipped, String error) {
    public LandscapeRecord {
        figures = figures == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(figures));
    }

    public boolean ok() {
        return error == null;
    }
}
