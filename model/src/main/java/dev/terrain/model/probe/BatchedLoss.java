package dev.terrain.model.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The total loss J at many parameter vectors, evaluated P at a time: the P parameter sets become a
 * leading batch axis of every weight ([P, in, out]) and bias ([P, 1, out]), and one jet forward pass
 * through the network gives P losses (SPEC section 3.6: "evaluate the M(m+1) losses batched"). P is
 * chosen so that no jet tensor exceeds {@code maxElements} elements.
 */
public final class BatchedLoss {
    /**
     * Default bound on the elements of one jet (value, gradient and Hessian together). Nothing in a chunk's
     * pass is freed before the pass ends, so a chunk holds about 14 such jets' worth of temporaries: on the
     * 1D Poisson DGM model (200 points, width 4) 74 arrays, 111 MiB at 2^20 (chunk 436), which raised a
     * process's RSS by 87 MiB at its first RI and made the one-hour serve soak's RSS jump by up to +11 % in
     * the minutes a sample caught an RI; 27.8 MiB at 2^18 (chunk 109), no measurable RSS rise, and no such
     * jumps in the soak (bench/results/serve-20261123-213901.json). The RI
     * (M = m = 100) is faster at 2^18: median 0.57 s against 0.75 s over 15 alternated runs in one process
     * (2 shared cores), the same RI to the last bit.
     */
    public static final long DEFAULT_MAX_ELEMENTS = 1L << 18;

    private final Objective objective;
    private final Map<String, PointSet> batch;
    private final int chunk;

    public BatchedLoss(Objective objective, Map<String, PointSet> batch, long maxElements) {
        this.objective = objective;
        this.batch = batch;
        long points = batch.values().stream().mapToLong(PointSet::size).max().orElse(1);
        long width = 1;
        for (Param p : objective.network().parameters().list()) {
            long[] s = p.array().getShape().getShape();
            width = Math.max(width, s[s.length - 1]);
        }
        int d = objective.problem().inputDim();
        long perSet = points * width * (1 + 2L * d);
        this.chunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxElements / perSet));
    }

    /** Parameter sets per batched pass. */
    public int chunk() {
        return chunk;
    }

    /** Writes parameter vector number {@code k} (flat, in Parameters order) into {@code row}. */
    @FunctionalInterface
    public interface Rows {
        void fill(int k, double[] row);
    }

    /** J(theta_k) for k = 0..count-1; non-finite values come back as they are. */
    public double[] evaluate(int count, Rows rows) {
        return evaluate(count, rows, chunk);
    }

    /** As {@link #evaluate(int, Rows)} with an explicit chunk size (1 = one call per parameter set). */
    public double[] evaluate(int count, Rows rows, int perPass) {
        double[] out = new double[count];
        double[][] block = new double[Math.min(perPass, count)][Math.toIntExact(objective.network().parameters().count())];
        for (int from = 0; from < count; from += perPass) {
            int to = Math.min(count, from + perPass);
            for (int k = from; k < to; k++) {
                rows.fill(k, block[k - from]);
            }
            try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
                scope.suppressNotUsedWarning();
                NDArray losses = objective.evaluate(batch, stack(objective.network().parameters(), block, to - from)).total();
                System.arraycopy(Tensors.toDoubles(losses), 0, out, from, to - from);
            }
        }
        return out;
    }

    /**
     * The first p rows of {@code block} (flat parameter vectors in {@link Parameters} order) as batched
     * parameter arrays: weights [p, in, out], biases [p, 1, out], in the step's scope.
     */
    static List<NDArray> stack(Parameters params, double[][] block, int p) {
        NDManager manager = params.manager();
        List<NDArray> arrays = new ArrayList<>();
        int at = 0;
        for (Param param : params.list()) {
            int n = Math.toIntExact(param.size());
            double[] values = new double[p * n];
            for (int k = 0; k < p; k++) {
                System.arraycopy(block[k], at, values, k * n, n);
            }
            long[] shape = param.array().getShape().getShape();
            Shape batched = shape.length == 1 ? new Shape(p, 1, shape[0]) : new Shape(p, shape[0], shape[1]);
            arrays.add(Tensors.create(manager, values, batched, params.dataType()));
            at += n;
        }
        return arrays;
    }
}
