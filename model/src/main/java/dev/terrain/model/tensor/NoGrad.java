package dev.terrain.model.tensor;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns libtorch's (thread-local) gradient recording off for a block and restores it after:
 * evaluation on any thread then builds no autograd graph.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;

    public NoGrad() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
