package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.NoGrad;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Paper 002's stiff model loss L = sum_i k_i/2 (theta_i - t_i)^2 (section 2.3) as a {@link StepFunction},
 * its gradient from a real backward pass: the implicit (proximal) step has the closed form
 * theta_{n+1} - t = (theta_n - t) / (1 + alpha k), explicit GD diverges for lr > 2 / max k.
 */
final class StiffQuadratic implements StepFunction {
    final Parameters params;
    final double[] k;
    final double[] t;
    private final NDArray kArray;
    private final NDArray tArray;
    private final NDArray half;
    private final NDManager m;

    StiffQuadratic(NDManager m, double[] k, double[] t, double[] theta0) {
        this.m = m;
        this.k = k;
        this.t = t;
        params = new Parameters(m, DataType.FLOAT64);
        params.add("theta", "theta", Param.Kind.WEIGHT, new Shape(k.length), theta0);
        kArray = m.create(k);
        tArray = m.create(t);
        half = m.create(0.5);
    }

    @Override
    public Objective objective() {
        throw new UnsupportedOperationException("a bare loss has no objective");
    }

    @Override
    public Map<String, PointSet> batch() {
        return Map.of();
    }

    private NDArray value() {
        NDArray d = params.list().get(0).array().sub(tArray);
        return d.square().mul(kArray).sum().mul(half);
    }

    @Override
    public LossValues lossAndGradient(UnaryOperator<NDArray> shape) {
        try (Autograd.Recording rec = Autograd.record()) {
            NDArray v = value();
            System.gc();
            rec.backward(shape.apply(v));
            return new LossValues(v, Map.of("q", v));
        }
    }

    @Override
    public LossValues loss() {
        try (NoGrad off = new NoGrad()) {
            NDArray v = value();
            return new LossValues(v, Map.of("q", v));
        }
    }

    double current() {
        return loss().total().getDouble();
    }

    double[] theta() {
        return params.toFlat();
    }
}
