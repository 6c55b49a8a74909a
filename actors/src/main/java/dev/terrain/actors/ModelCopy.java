package dev.terrain.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.terrain.model.train.Trainer;

/**
 * An actor's own copy of the run's model on its own NDManager, built on first use (on the DJL
 * dispatcher). Closing it while a DJL task still uses it defers the free to the end of that task, so an
 * actor that stops or restarts mid-task never frees arrays under a running computation.
 */
final class ModelCopy implements AutoCloseable {
    private final RunModel model;
    private final Device device;
    private NDManager manager;
    private Trainer copy;
    private boolean inUse;
    private boolean closed;

    ModelCopy(RunModel model, Device device) {
        this.model = model;
        this.device = device;
    }

    /** The model, built if needed; pair every call with {@link #release()}. */
    synchronized Trainer acquire() {
        if (closed) {
            throw new IllegalStateException("the model copy was closed (its actor stopped)");
        }
        if (copy == null) {
            manager = NDManager.newBaseManager(device);
            try {
                copy = model.build(manager);
            } catch (RuntimeException e) {
                manager.close();
                manager = null;
                throw e;
            }
        }
        inUse = true;
        return copy;
    }

    synchronized void release() {
        inUse = false;
        if (closed) {
            free();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (!inUse) {
            free();
        }
    }

    private void free() {
        if (manager != null) {
            manager.close();
            manager = null;
            copy = null;
        }
    }
}
