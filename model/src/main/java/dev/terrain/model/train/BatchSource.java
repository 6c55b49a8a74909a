package dev.terrain.model.train;

import dev.terrain.model.quad.HostPoints;
import java.util.Map;

/**
 * Where a {@link Trainer} gets the host points of a step: one {@link HostPoints} per point set of the
 * loss. The trainer asks with the number of the step it is about to train, so a source that is a pure
 * function of the step (such as {@link Batches#at}) gives the same run however it is interrupted and
 * resumed, and may be computed ahead on another thread.
 */
@FunctionalInterface
public interface BatchSource {
    /** The host batch of step {@code step}; the trainer does not modify it. */
    Map<String, HostPoints> batch(long step);
}
