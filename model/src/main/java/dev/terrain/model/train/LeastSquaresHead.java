package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.Param;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.LossTerm;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ejml.UtilEjml;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.linsol.svd.SolvePseudoInverseSvd_DDRM;
import org.ejml.interfaces.decomposition.QRPDecomposition_F64;

/**
 * The least-squares half of LSGD (paper 004, section 3 and Algorithm 1): with the hidden parameters
 * xi^H fixed, u = B (sum_j xi_j Phi_j + b) + g is affine in the output layer (xi, b), so for every
 * linear least-squares term r_t(u) = L_t[u] - f_t the loss sum_t lambda_t s_t sum_i w_i r_t(x_i)^2 is
 * the linear least-squares problem of eq. (6)/(7): rows A_ij = L_t[B Phi_j](x_i) (plus a column
 * L_t[B] for the bias), right-hand side f_t - L_t[g], each row scaled by sqrt(lambda_t s_t w_i) (the term's
 * loss weight, its constant factor and the point's quadrature weight).
 *
 * <p>The columns come from one jet pass of the network with w + 2 output layers stacked on the
 * parameter-batch axis (unit vector e_j, the bias alone, and zero) so derivatives, the hard ansatz
 * and every term's operator are applied exactly as in the loss; the hidden layers are computed once.
 * The minimum-norm solution xi^L = A^+ rhs uses EJML's QR and SVD pseudo-inverse (as the paper uses
 * TensorFlow's {@code lstsq}; see {@link #solve}); for several outputs each output has its own column of the right-hand
 * side (eq. (18)), which assumes every term's residual of output o reads output o only (true for the
 * catalogue).
 *
 * <p>LSGD does not apply, and {@link #check} rejects, when: the loss is an energy (Ritz) functional,
 * which is not a sum of squares; a term's residual is nonlinear in u (e.g. the multi-well energies);
 * or the network's output layer is not linear ({@code network.outputActivation}).
 */
public final class LeastSquaresHead {
    private final Objective objective;
    private final int outputIndex;

    public LeastSquaresHead(Objective objective) {
        check(objective);
        this.objective = objective;
        this.outputIndex = objective.network().outputLayerIndex();
    }

    /** Fails naming the setting when LSGD cannot solve this objective's output layer. */
    public static void check(Objective objective) {
        if (objective.kind() == LossKind.ENERGY) {
            throw new IllegalArgumentException("optimizer.type = lsgd needs a least-squares loss; problem.loss = "
                    + objective.kind().id() + " is an energy functional, not a sum of squared linear residuals "
                    + "(paper 004 eq. (1)); use problem.loss = residual");
        }
        for (LossTerm t : objective.terms()) {
            if (!t.isLinearLeastSquares()) {
                throw new IllegalArgumentException("optimizer.type = lsgd: term '" + t.name() + "' of problem '"
                        + objective.problem().id() + "' is not a linear least-squares residual, so the output "
                        + "layer has no least-squares solve");
            }
        }
        if (objective.network().outputLayerIndex() < 0) {
            throw new IllegalArgumentException("optimizer.type = lsgd needs a network whose output layer is linear "
                    + "(paper 004 eq. (3)); remove network.outputActivation");
        }
    }

    /** The output layer's weight and bias parameters (LSGD's xi^L). */
    public List<Param> outputParams() {
        List<Param> all = objective.network().parameters().list();
        return List.of(all.get(outputIndex), all.get(outputIndex + 1));
    }

    /** Every other parameter (xi^H, moved by the gradient step). */
    public List<Param> hiddenParams() {
        List<Param> out = new ArrayList<>(objective.network().parameters().list());
        out.removeAll(outputParams());
        return out;
    }

    /**
     * The assembled system: per output o, A_o [rows, cols] row-major and rhs_o [rows], rows already
     * weighted, cols = w + 1 (the bias last). Plain host data that never changes once made (arrays are
     * copied in and out), so it may be handed to a solver on another thread.
     */
    public static final class LinearSystem {
        private final int rows;
        private final int cols;
        private final double[][] matrices;
        private final double[][] rhs;

        /** Copies {@code matrices[o]} (rows * cols, row-major) and {@code rhs[o]} (rows) for every output o. */
        public LinearSystem(int rows, int cols, double[][] matrices, double[][] rhs) {
            this(rows, cols, deepCopy(matrices), deepCopy(rhs), true);
        }

        /** Takes the arrays without copying: only {@link #assemble} calls it, and it keeps no reference. */
        private LinearSystem(int rows, int cols, double[][] matrices, double[][] rhs, boolean adopt) {
            if (matrices.length == 0 || matrices.length != rhs.length) {
                throw new IllegalArgumentException("a system needs one matrix and one right-hand side per output, got "
                        + matrices.length + " and " + rhs.length);
            }
            for (int o = 0; o < matrices.length; o++) {
                if (matrices[o].length != (long) rows * cols || rhs[o].length != rows) {
                    throw new IllegalArgumentException("output " + o + ": " + matrices[o].length + " matrix entries and "
                            + rhs[o].length + " right-hand sides for " + rows + " x " + cols);
                }
            }
            this.rows = rows;
            this.cols = cols;
            this.matrices = matrices;
            this.rhs = rhs;
        }

        private static double[][] deepCopy(double[][] a) {
            double[][] out = new double[a.length][];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i].clone();
            }
            return out;
        }

        public int rows() {
            return rows;
        }

        public int cols() {
            return cols;
        }

        public int outputs() {
            return matrices.length;
        }

        /** A copy of A_o, row-major [rows, cols]. */
        public double[] matrix(int output) {
            return matrices[output].clone();
        }

        /** A copy of rhs_o [rows]. */
        public double[] rhs(int output) {
            return rhs[output].clone();
        }
    }

    /** Assembles the weighted system on {@code batch} at the current hidden parameters (host copy). */
    public LinearSystem assemble(Map<String, PointSet> batch) {
        Network net = objective.network();
        int width = Math.toIntExact(net.parameters().list().get(outputIndex).array().getShape().get(0));
        int outputs = net.outputDim();
        int cols = width + 1;
        List<double[]> blocks = new ArrayList<>();
        List<Integer> blockRows = new ArrayList<>();
        try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
            scope.suppressNotUsedWarning();
            List<NDArray> params = stackedHeads(width, outputs);
            for (LossTerm t : objective.terms()) {
                PointSet set = batch.get(t.pointSet());
                // r at the w + 2 stacked heads: [w + 2, B, outputs]
                NDArray r = t.residual().apply(objective.solution(set, t.order(), params), set, objective.scalars())
                        .broadcast(new Shape(width + 2, set.size(), outputs));
                NDArray rows = set.weights().sqrt(); // [B, 1]
                NDArray zero = r.get(width + 1);
                NDArray columns = r.sub(zero.expandDims(0)).mul(rows.expandDims(0)); // [w + 2, B, o]
                NDArray rhs = zero.neg().mul(rows).expandDims(0); // [1, B, o]
                NDArray block = columns.get("0:" + cols).concat(rhs, 0); // [w + 2, B, o]: w + 1 columns, rhs
                double[] v = Tensors.toDoubles(block);
                double factor = Math.sqrt(objective.weights().get(t.name()) * t.scale());
                for (int i = 0; i < v.length; i++) {
                    v[i] *= factor;
                }
                blocks.add(v);
                blockRows.add(Math.toIntExact(block.getShape().get(1)));
            }
        }
        int n = blockRows.stream().mapToInt(Integer::intValue).sum();
        double[][] as = new double[outputs][n * cols];
        double[][] bs = new double[outputs][n];
        for (int o = 0; o < outputs; o++) {
            int row = 0;
            for (int k = 0; k < blocks.size(); k++) {
                double[] v = blocks.get(k);
                int rowsHere = blockRows.get(k);
                for (int i = 0; i < rowsHere; i++) {
                    for (int j = 0; j < cols; j++) {
                        as[o][(row + i) * cols + j] = v[(j * rowsHere + i) * outputs + o];
                    }
                    bs[o][row + i] = v[(cols * rowsHere + i) * outputs + o];
                }
                row += rowsHere;
            }
        }
        return new LinearSystem(n, cols, as, bs, true);
    }

    /**
     * The parameter list with the output layer replaced by w + 2 heads on a leading batch axis:
     * head j &lt; w has W = e_j (every output) and b = 0, head w has W = 0 and b = 1, head w + 1 is zero.
     */
    private List<NDArray> stackedHeads(int width, int outputs) {
        NDManager m = objective.scalars().manager();
        double[] w = new double[(width + 2) * width * outputs];
        double[] b = new double[(width + 2) * outputs];
        for (int j = 0; j < width; j++) {
            for (int o = 0; o < outputs; o++) {
                w[(j * width + j) * outputs + o] = 1.0;
            }
        }
        for (int o = 0; o < outputs; o++) {
            b[width * outputs + o] = 1.0;
        }
        List<NDArray> params = new ArrayList<>(objective.network().parameters().arrays());
        params.set(outputIndex, Tensors.create(m, w, new Shape(width + 2, width, outputs), objective.scalars().dataType()));
        params.set(outputIndex + 1, Tensors.create(m, b, new Shape(width + 2, 1, outputs), objective.scalars().dataType()));
        return params;
    }

    /**
     * The minimum-norm least-squares solution of each output's system, as (W [w, outputs], b [outputs])
     * flattened row-major: xi_o = A_o^+ rhs_o. With more rows than columns A P = Q R first (Householder
     * with column pivoting, EJML)
     * and the pseudo-inverse is taken of the small R by EJML's SVD, as LAPACK's {@code gelsd} does:
     * min |A x - rhs| and min |R x - Q^T rhs| have the same minimum-norm solution. Singular values below
     * eps max(rows, cols) sigma_max count as zero, numpy's and TensorFlow's {@code lstsq} default.
     */
    public static double[][] solve(LinearSystem system) {
        int outputs = system.outputs();
        int rows = system.rows();
        int cols = system.cols();
        double[] w = new double[(cols - 1) * outputs];
        double[] b = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            DMatrixRMaj x = minimumNorm(DMatrixRMaj.wrap(rows, cols, system.matrix(o)),
                    DMatrixRMaj.wrap(rows, 1, system.rhs(o)));
            for (int j = 0; j < cols - 1; j++) {
                w[j * outputs + o] = x.get(j, 0);
            }
            b[o] = x.get(cols - 1, 0);
        }
        return new double[][] {w, b};
    }

    /** x = A^+ rhs, the minimum-norm least-squares solution (A is not modified). */
    static DMatrixRMaj minimumNorm(DMatrixRMaj a, DMatrixRMaj rhs) {
        int m = a.numRows;
        int n = a.numCols;
        DMatrixRMaj small = a;
        DMatrixRMaj target = rhs;
        int[] pivots = null;
        if (m > n) {
            // Column pivoting copes with the zero columns of dead ReLU units: A P = Q R.
            QRPDecomposition_F64<DMatrixRMaj> qr = DecompositionFactory_DDRM.qrp(m, n);
            if (!qr.decompose(a.copy())) {
                throw new IllegalStateException("the QR decomposition of the LSGD least-squares matrix failed");
            }
            small = qr.getR(null, true);
            target = new DMatrixRMaj(n, 1);
            CommonOps_DDRM.multTransA(qr.getQ(null, true), rhs, target);
            pivots = qr.getColPivots();
        }
        SolvePseudoInverseSvd_DDRM pinv = new SolvePseudoInverseSvd_DDRM(small.numRows, small.numCols);
        // The cut-off of the pseudo-inverse of A itself: eps max(m, n) sigma_max.
        pinv.setThreshold(UtilEjml.EPS * Math.max(m, n) / Math.max(small.numRows, small.numCols));
        if (!pinv.setA(pinv.modifiesA() ? small.copy() : small)) {
            throw new IllegalStateException("the SVD of the LSGD least-squares matrix did not converge");
        }
        DMatrixRMaj y = new DMatrixRMaj(n, 1);
        pinv.solve(target, y);
        if (pivots == null) {
            return y;
        }
        // x = P y: a permutation keeps the norm, so x is A's minimum-norm solution too.
        DMatrixRMaj x = new DMatrixRMaj(n, 1);
        for (int j = 0; j < n; j++) {
            x.set(pivots[j], 0, y.get(j, 0));
        }
        return x;
    }

    /** Assembles on {@code batch}, solves, and writes the output layer. */
    public void fit(Map<String, PointSet> batch) {
        write(solve(assemble(batch)));
    }

    /** Writes a solution shaped as {@link #solve}'s, {W flattened row-major, b}, into the output layer. */
    public void write(double[][] solution) {
        List<Param> out = outputParams();
        if (solution.length != 2) {
            throw new IllegalArgumentException("a least-squares solution is {W, b}, got " + solution.length + " arrays");
        }
        NDManager m = objective.scalars().manager();
        for (int k = 0; k < 2; k++) {
            NDArray target = out.get(k).array();
            if (solution[k].length != target.size()) {
                throw new IllegalArgumentException("least-squares solution part " + k + " has " + solution[k].length
                        + " entries; " + out.get(k).name() + " has " + target.size());
            }
            try (NDArray src = Tensors.create(m, solution[k], target.getShape(), target.getDataType())) {
                target.set(src.toByteBuffer());
            }
        }
    }
}
