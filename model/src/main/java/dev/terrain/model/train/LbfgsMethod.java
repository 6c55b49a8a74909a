package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.optim.OptimizerState;
import dev.terrain.model.tensor.Tensors;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * L-BFGS with a strong-Wolfe line search ({@link Lbfgs}) as a training method: one step is one
 * PyTorch-style {@code LBFGS.step}, up to {@code maxIter} iterations on the step's batch. The
 * iteration runs on host vectors (theta and its gradient are copied once per evaluation; the line
 * search needs the loss on the host anyway). The first evaluation of a step is at the current
 * parameters, so the reported losses are those the step started from.
 */
public final class LbfgsMethod implements TrainingMethod {
    private final Lbfgs lbfgs;
    private final Parameters params;

    public LbfgsMethod(Lbfgs.Settings settings, Parameters params) {
        this.lbfgs = new Lbfgs(settings);
        this.params = params;
    }

    @Override
    public String id() {
        return "lbfgs";
    }

    @Override
    public LossValues step(StepFunction f, long step) {
        return minimise(f, UnaryOperator.identity());
    }

    /** One L-BFGS step on {@code shape(J)} (ISGD passes its proximal objective). */
    LossValues minimise(StepFunction f, UnaryOperator<NDArray> shape) {
        double[] x = params.toFlat();
        double[] loaded = x.clone();
        LossValues[] first = new LossValues[1];
        NDArray[] shaped = new NDArray[1];
        // The value the backward pass started from is the one the line search minimises: keep it.
        UnaryOperator<NDArray> keep = total -> shaped[0] = shape.apply(total);
        lbfgs.step(x, (at, grad) -> {
            if (!Arrays.equals(at, loaded)) {
                params.load(at);
                System.arraycopy(at, 0, loaded, 0, at.length);
            }
            if (first[0] == null) {
                // Kept in the caller's step scope: the trainer reports these losses.
                first[0] = f.lossAndGradient(keep);
                return readGradient(shaped[0], grad);
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                f.lossAndGradient(keep);
                return readGradient(shaped[0], grad);
            }
        });
        if (!Arrays.equals(x, loaded)) {
            params.load(x);
        }
        return first[0];
    }

    /** Copies the gradient to {@code grad}, zeroes it on the device, returns the shaped loss on the host. */
    private double readGradient(NDArray shapedLoss, double[] grad) {
        int at = 0;
        for (Param p : params.list()) {
            try (NDArray g = p.array().getGradient()) {
                double[] v = Tensors.toDoubles(g);
                System.arraycopy(v, 0, grad, at, v.length);
                at += v.length;
            }
            JniUtils.zeroGrad((PtNDArray) p.array());
        }
        return shapedLoss.toType(DataType.FLOAT64, false).getDouble();
    }

    @Override
    public long evaluations() {
        return lbfgs.evaluations();
    }

    public long iterations() {
        return lbfgs.iterations();
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState(id(), lbfgs.iterations(), Map.of("lbfgs", lbfgs.state()));
    }

    @Override
    public void restore(OptimizerState state) {
        state.requireOptimizer(id());
        Map<String, double[]> s = state.buffers().get("lbfgs");
        if (s == null) {
            throw new IllegalArgumentException("saved lbfgs state has no history");
        }
        lbfgs.restore(s);
    }
}
