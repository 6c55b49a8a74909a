package dev.terrain.actors;

import java.util.List;
import java.util.Optional;

/**
 * Durable checkpoints of one run: written atomically with a checksum (temp file, fsync, rename), the
 * newest K kept; reading skips a truncated or corrupt newest file in favour of the previous good one.
 * The {@link Checkpointer} actor is the only writer while a run is live.
 */
public interface CheckpointStore {
    /** Writes {@code checkpoint} durably and prunes old ones; returns where it went (for logs and events). */
    String save(Checkpoint checkpoint);

    /** The newest checkpoint that reads back intact, with the ones skipped on the way and why. */
    Optional<Loaded> latest();

    /** A checkpoint read back, where from, and the newer files that were skipped (each with its reason). */
    record Loaded(Checkpoint checkpoint, String source, List<String> skipped) {
        public Loaded {
            skipped = List.copyOf(skipped);
        }
    }
}
