package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;

/**
 * A "network" without parameters whose output is a fixed analytic field with its exact jet: put
 * through an objective it shows what every loss term gives at the exact solution.
 */
final class AnalyticNetwork implements Network {
    private final AnalyticField field;
    private final int inputDim;
    private final Parameters parameters;

    AnalyticNetwork(AnalyticField field, int inputDim, NDManager manager, Scalars c) {
        this.field = field;
        this.inputDim = inputDim;
        this.parameters = new Parameters(manager, c.dataType());
    }

    @Override
    public Parameters parameters() {
        return parameters;
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputDim() {
        return field.outputs();
    }

    @Override
    public Jet forward(Jet input, java.util.List<NDArray> params, Scalars c) {
        return jet(field, input.value(), input.order(), c);
    }

    /** No hidden layers: the field is its own single basis function. */
    @Override
    public Jet hidden(Jet input, java.util.List<NDArray> params, Scalars c) {
        return forward(input, params, c);
    }

    @Override
    public int outputLayerIndex() {
        return -1;
    }

    /** The exact jet of {@code field} at the points x [B, d]. */
    static Jet jet(AnalyticField field, NDArray x, int order, Scalars c) {
        double[] flat = Tensors.toDoubles(x);
        int d = (int) x.getShape().get(1);
        int b = (int) x.getShape().get(0);
        int n = field.outputs();
        double[] v = new double[b * n];
        double[] g = new double[d * b * n];
        double[] h = new double[d * b * n];
        for (int i = 0; i < b; i++) {
            double[] xi = new double[d];
            System.arraycopy(flat, i * d, xi, 0, d);
            System.arraycopy(field.value(xi), 0, v, i * n, n);
            for (int k = 0; k < d && order >= 1; k++) {
                System.arraycopy(field.d1(xi, k), 0, g, (k * b + i) * n, n);
                if (order >= 2) {
                    System.arraycopy(field.d2(xi, k), 0, h, (k * b + i) * n, n);
                }
            }
        }
        NDManager m = x.getManager();
        NDArray value = Tensors.create(m, v, new Shape(b, n), c.dataType());
        NDArray grad = order >= 1 ? Tensors.create(m, g, new Shape(d, b, n), c.dataType()) : null;
        NDArray hess = order >= 2 ? Tensors.create(m, h, new Shape(d, b, n), c.dataType()) : null;
        return new Jet(value, grad, hess, order);
    }
}
