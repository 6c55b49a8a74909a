package dev.terrain.actors;

/** A run started on a {@link RunHost}. */
public interface RunHandle {
    /** Blocks the calling (non-actor) thread until the run's outcome. */
    RunOutcome await();

    /** Asks the run to checkpoint and stop; {@link #await()} then returns an {@code interrupted} outcome. */
    void stop();
}
