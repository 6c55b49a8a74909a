package dev.terrain.actors;

import java.time.Instant;

/**
 * Something that happened to a run, one line of {@code events.jsonl}: {@code started}, {@code resumed},
 * {@code trainer-restarted}, {@code probe-failed}, {@code probe-restarted}, {@code checkpoint-failed},
 * {@code diverged}, {@code stop-requested}, {@code completed}, {@code interrupted}, {@code failed}.
 */
public record RunEvent(String runId, String type, long step, String message, Instant at) {
    static RunEvent of(String runId, String type, long step, String message) {
        return new RunEvent(runId, type, step, message, Instant.now());
    }
}
