package dev.terrain.model.tensor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** libtorch's intra-op thread count, settable at any time (not only before the engine loads). */
public final class Threads {
    private Threads() {}

    /**
     * Sets the intra-op threads; {@code n <= 0} keeps libtorch's default. Every command that runs numerics
     * calls this first, so it also logs, once per process, whether MKL runs its Intel kernels here
     * ({@link MklDispatch}).
     */
    public static void set(int n) {
        MklDispatch.logOnce();
        if (n > 0) {
            Engine.getInstance();
            JniUtils.setNumThreads(n);
        }
    }

    public static int get() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }
}
