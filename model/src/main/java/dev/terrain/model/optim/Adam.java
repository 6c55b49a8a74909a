package dev.terrain.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.tensor.Tensors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba), as PyTorch writes it: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * theta -= lr m_hat / (sqrt(v_hat) + eps). Each parameter is one fused native update (libtorch's
 * in-place kernels through DJL's {@code adamUpdate}), so the step costs one call per tensor, not ten.
 * DJL's kernel adds eps to sqrt(v) without bias correction; passing eps sqrt(1 - b2^t) makes it exact.
 * The kernel's scalars are floats: the update is PyTorch's Adam with betas float(b1), float(b2) and
 * lr, eps rounded to float (relative differences below 1e-7 from the double formula).
 */
public final class Adam implements Optimizer {
    private final Schedule schedule;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final Map<String, NDArray[]> moments = new HashMap<>();
    private long updates;

    public Adam(Schedule schedule, double beta1, double beta2, double eps) {
        this.schedule = schedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public String id() {
        return "adam";
    }

    @Override
    public void update(List<Param> params, long step) {
        updates++;
        double lr = schedule.rate(step);
        // The kernel takes beta1, beta2 as float and forms 1 - beta in float, so its moments are those
        // of an Adam with float(beta): the bias corrections use the same rounded betas, or the first
        // step would be off by (1 - float(beta2)) / (1 - beta2), 1.3e-5 relative for 0.999.
        double b1 = (float) beta1;
        double b2 = (float) beta2;
        double c1 = 1 - Math.pow(b1, updates);
        double c2 = Math.sqrt(1 - Math.pow(b2, updates));
        for (Param p : params) {
            NDArray[] mv = moments(p);
            PtNDArray w = (PtNDArray) p.array();
            try (PtNDArray g = w.getGradient()) {
                JniUtils.adamUpdate(w, g, (PtNDArray) mv[0], (PtNDArray) mv[1], (float) lr, (float) (lr * c2 / c1),
                        0f, 1f, -1f, (float) beta1, (float) beta2, (float) (eps * c2), false);
            }
            JniUtils.zeroGrad(w);
        }
    }

    private NDArray[] moments(Param p) {
        return moments.computeIfAbsent(p.name(), k -> {
            NDArray m = p.array().getManager().zeros(p.array().getShape(), p.array().getDataType());
            NDArray v = p.array().getManager().zeros(p.array().getShape(), p.array().getDataType());
            ai.djl.ndarray.NDScope.unregister(m, v);
            return new NDArray[] {m, v};
        });
    }

    @Override
    public long updates() {
        return updates;
    }

    @Override
    public OptimizerState state(Parameters params) {
        Map<String, Map<String, double[]>> buffers = new LinkedHashMap<>();
        for (Param p : params.list()) {
            NDArray[] mv = moments(p);
            buffers.put(p.name(), Map.of("m", Tensors.toDoubles(mv[0]), "v", Tensors.toDoubles(mv[1])));
        }
        return new OptimizerState(id(), updates, buffers);
    }

    @Override
    public void restore(Parameters params, OptimizerState state) {
        state.requireOptimizer(id());
        for (Param p : params.list()) {
            NDArray[] mv = moments(p);
            Buffers.load(mv[0], state, p.name(), "m");
            Buffers.load(mv[1], state, p.name(), "v");
        }
        updates = state.updates();
    }
}
