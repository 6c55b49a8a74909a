package dev.terrain.model.optim;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import java.util.List;
import java.util.Map;

/** Plain (full-batch) gradient descent theta -= lr g, one fused native update per tensor. */
public final class GradientDescent implements Optimizer {
    private final Schedule schedule;
    private long updates;

    public GradientDescent(Schedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String id() {
        return "gd";
    }

    @Override
    public void update(List<Param> params, long step) {
        updates++;
        float lr = (float) schedule.rate(step);
        for (Param p : params) {
            PtNDArray w = (PtNDArray) p.array();
            try (PtNDArray g = w.getGradient()) {
                JniUtils.sgdUpdate(w, g, null, lr, 0f, 1f, -1f, 0f);
            }
            JniUtils.zeroGrad(w);
        }
    }

    @Override
    public long updates() {
        return updates;
    }

    @Override
    public OptimizerState state(Parameters params) {
        return new OptimizerState(id(), updates, Map.of());
    }

    @Override
    public void restore(Parameters params, OptimizerState state) {
        state.requireOptimizer(id());
        updates = state.updates();
    }
}
