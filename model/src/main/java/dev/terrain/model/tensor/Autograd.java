package dev.terrain.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording that any number of threads may hold at once. DJL's {@code PtGradientCollector}
 * does exactly this (turn libtorch's thread-local grad mode on, seed the reverse pass with ones, restore
 * the mode on close), but also sets a process-wide flag, so a second collector opened on any other
 * thread throws "A PtGradientCollector is already collecting" while a training step is recording. That
 * flag guards nothing libtorch needs: grad mode is per thread and independent graphs run their reverse
 * passes independently. Recordings still share the leaves they differentiate: two threads that record
 * losses of the same parameter arrays accumulate into the same gradient buffers, so give each thread
 * its own parameters.
 *
 * <pre>{@code
 * try (Autograd.Recording rec = Autograd.record()) {
 *     NDArray loss = ...;
 *     rec.backward(loss);
 * }
 * }</pre>
 */
public final class Autograd {
    private Autograd() {}

    /**
     * Adds {@code delta} (shaped like {@code param}) to the gradient of the leaf {@code param}, as a reverse
     * pass reaching it would: the step of a hand-written reverse pass ({@link dev.terrain.model.nn.JetTape}).
     * When no reverse pass has reached the parameter yet its gradient buffer does not exist, and DJL has no
     * call that sets one; a reverse pass of {@code 0 * sum(param)} makes it (zeros) first.
     */
    public static void accumulate(NDArray param, NDArray delta, Scalars c) {
        PtNDArray p = (PtNDArray) param;
        PtNDArray buffer = JniUtils.getGradient(p);
        if (buffer == null) {
            try (Recording rec = record(); NDArray scaled = param.mul(c.of(0.0)); NDArray zero = scaled.sum()) {
                rec.backward(zero);
            }
            buffer = JniUtils.getGradient(p);
            if (buffer == null) {
                throw new IllegalStateException("parameter of shape " + param.getShape() + " does not require a gradient");
            }
        }
        try (NDArray g = buffer) {
            g.addi(delta);
        }
    }

    /** Turns gradient recording on for the calling thread until the returned recording closes. */
    public static Recording record() {
        return new Recording();
    }

    /** One open recording on one thread; close it on the thread that opened it. */
    public static final class Recording implements AutoCloseable {
        private final boolean previous;
        private final Thread owner;
        private boolean closed;

        private Recording() {
            owner = Thread.currentThread();
            previous = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
        }

        /**
         * Reverse pass from {@code target} seeded with ones (d target / d target), accumulating into the
         * gradients of the leaves it was computed from; the graph is freed afterwards.
         */
        public void backward(NDArray target) {
            backward(target, false);
        }

        /**
         * As {@link #backward(NDArray)}; {@code retainGraph} keeps the graph for another reverse pass from
         * a result that shares it (per-term gradients of one forward pass). The seed is made like
         * {@code target} (dtype and device) in the caller's manager and scope and freed before returning.
         */
        public void backward(NDArray target, boolean retainGraph) {
            if (closed) {
                throw new IllegalStateException("backward on a closed recording");
            }
            try (NDArray seed = target.onesLike()) {
                JniUtils.backward((PtNDArray) target, (PtNDArray) seed, retainGraph, false);
            }
        }

        /** Restores the grad mode the thread had before {@link Autograd#record()}. */
        @Override
        public void close() {
            if (Thread.currentThread() != owner) {
                // Grad mode is thread-local: restoring it here would change another thread's mode.
                throw new IllegalStateException("a recording opened on thread '" + owner.getName()
                        + "' must be closed there, not on '" + Thread.currentThread().getName() + "'");
            }
            if (!closed) {
                closed = true;
                JniUtils.setGradMode(previous);
            }
        }
    }
}
