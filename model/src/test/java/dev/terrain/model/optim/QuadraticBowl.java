package dev.terrain.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small quadratic loss L = sum_i k_i (theta_i - t_i)^2 over two parameter tensors ([3] and [2, 2]),
 * with curvatures k_i spread over two decades so that Adam's per-coordinate scaling matters. The
 * gradient 2 k (theta - t) comes from a real backward pass; the host reference computes it in Java.
 */
final class QuadraticBowl {
    final Parameters params;
    final double[] k;
    final double[] t;
    final double[] theta0;
    private final NDManager m;
    private final List<NDArray> ks = new ArrayList<>();
    private final List<NDArray> ts = new ArrayList<>();

    QuadraticBowl(NDManager m, DataType dt, long seed) {
        this.m = m;
        SplittableRandom rng = new SplittableRandom(seed);
        params = new Parameters(m, dt);
        Shape[] shapes = {new Shape(3), new Shape(2, 2)};
        int n = 7;
        k = new double[n];
        t = new double[n];
        theta0 = new double[n];
        int at = 0;
        for (int i = 0; i < shapes.length; i++) {
            int size = (int) shapes[i].size();
            double[] th = new double[size];
            double[] kk = new double[size];
            double[] tt = new double[size];
            for (int j = 0; j < size; j++) {
                th[j] = rng.nextDouble(-1, 1);
                kk[j] = Math.pow(10, rng.nextDouble(-1, 1));
                tt[j] = rng.nextDouble(-1, 1);
            }
            params.add("p" + i, "g" + i, Param.Kind.WEIGHT, shapes[i], th);
            ks.add(Tensors.create(m, kk, shapes[i], dt));
            ts.add(Tensors.create(m, tt, shapes[i], dt));
            System.arraycopy(kk, 0, k, at, size);
            System.arraycopy(tt, 0, t, at, size);
            at += size;
        }
        System.arraycopy(params.toFlat(), 0, theta0, 0, n);
    }

    /** One backward pass: accumulates dL/dtheta into each parameter's gradient. */
    void backward() {
        try (Autograd.Recording rec = Autograd.record()) {
            NDArray loss = null;
            for (int i = 0; i < params.list().size(); i++) {
                NDArray term = params.list().get(i).array().sub(ts.get(i)).square().mul(ks.get(i)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            rec.backward(loss);
        }
    }

    /** The gradient on the host, at theta. */
    double[] gradient(double[] theta) {
        double[] g = new double[theta.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = 2 * k[i] * (theta[i] - t[i]);
        }
        return g;
    }

    /** Current gradients of the parameters, flat. */
    double[] deviceGradient() {
        double[] g = new double[theta0.length];
        int at = 0;
        for (Param p : params.list()) {
            double[] v = Tensors.toDoubles(p.array().getGradient());
            System.arraycopy(v, 0, g, at, v.length);
            at += v.length;
        }
        return g;
    }
}
